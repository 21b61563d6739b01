"""Azure OpenAI's v1 API: OpenAI's routes on the resource, plus Azure's quirks.

* the plain OpenAI client on https://RESOURCE.openai.azure.com/openai/v1/ (api-key header);
* `trainingType` (Standard | GlobalStandard | Developer) sent in extra_body, from the
  job's `training_type` option or the profile's default;
* a suffix may not contain dots (the pre-flight says so: rules.AZURE);
* a tuned model answers only through a deployment, called by the deployment's name:
  `make_answerable` creates it through the management API when the profile names
  subscription, resource_group, resource and management_token_env, and otherwise gives
  the exact `az` command to run (deploy.py). The deployment is stored, so evals and
  model cards find the model behind the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.core.finetune import deploy
from tui.core.finetune.openai_shaped import ALL_METHODS, OpenAIShaped
from tui.core.finetune.port import Answerable, Capabilities, Feature

if TYPE_CHECKING:
    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.jobs.spec import JobSpec


class AzureV1(OpenAIShaped):
    label = "Azure OpenAI"

    def __init__(self, profile: Profile, client: Any = None, *,
                 deploy_poll_s: float = deploy.POLL_S, deploy_wait_s: float = deploy.WAIT_S,
                 **options: Any) -> None:
        super().__init__(profile, client, **options)
        self.deploy_poll_s, self.deploy_wait_s = deploy_poll_s, deploy_wait_s

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        how = ("tunedeck creates it through the management API" if deploy.arm_ready(profile)
               else "tunedeck prints the az command to create it (name subscription, "
               "resource_group, resource and management_token_env in the profile to have "
               "tunedeck create it)")
        return Capabilities(methods=ALL_METHODS, missing={
            Feature.SERVES_AT_ONCE: "an Azure fine-tuned model answers only once it is "
                                    f"deployed; {how}",
            Feature.MODEL_LIST: "Azure's model list gives no shutdown dates for deployments "
                                "(its retirement schedule is on learn.microsoft.com)",
        })

    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        kwargs = super().create_kwargs(spec, training_file, validation_file)
        training_type = spec.options.get("training_type") or self.profile.training_type
        if training_type:
            kwargs["extra_body"] = {"trainingType": training_type}
        return kwargs

    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        model = job.fine_tuned_model
        if not model:
            return Answerable(model="", ready=False,
                              message=f"{job.remote_id} has no fine-tuned model yet "
                                      f"({job.status}): nothing to deploy")
        training_type = ((job.raw or {}).get("trainingType") or self.profile.training_type)
        return await deploy.ensure_deployment(self, store, model, training_type,
                                              wait_s=self.deploy_wait_s,
                                              poll_s=self.deploy_poll_s)
