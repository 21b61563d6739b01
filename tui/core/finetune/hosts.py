"""OpenAI-shaped hosts with quirks, chosen by `preset` on a `compatible` profile.

Bedrock's OpenAI-compatible endpoint (`https://bedrock-mantle.REGION.api.aws/v1`): files,
jobs, events and checkpoints as OpenAI's; "Suffix field is not supported"; reinforcement
fine-tuning grades with an AWS Lambda (`{"type": "lambda", "lambda": {"function": ARN}}`).

Nebius Token Factory (`https://api.tokenfactory.nebius.com/v1/`): supervised jobs with
hyperparameters of its own (lora, lora_r, lora_alpha, packing, warmup_ratio…) next to
n_epochs and batch_size, sent the way its public examples send them: in the job's
`hyperparameters` object; a LoRA is deployed in Nebius before it answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.core.finetune.openai_shaped import OpenAIShaped
from tui.core.finetune.port import Answerable, Capabilities, Feature

if TYPE_CHECKING:
    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.jobs.spec import JobSpec


class Bedrock(OpenAIShaped):
    label = "Bedrock"

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        return Capabilities(
            methods=("supervised", "reinforcement"),
            method_notes={"dpo": "Bedrock's OpenAI-compatible endpoint documents no DPO"},
            missing={
                Feature.SUFFIX: "Bedrock's endpoint takes no suffix (\"Suffix field is not "
                                "supported\"); it names the model itself",
                Feature.PAUSE: "Bedrock's OpenAI-compatible endpoint documents no pause",
                Feature.RESUME: "Bedrock's OpenAI-compatible endpoint documents no resume",
                Feature.METADATA: "Bedrock's OpenAI-compatible endpoint documents no job "
                                  "metadata; a loop finds its job by model and file instead",
            })

    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        kwargs = super().create_kwargs(spec, training_file, validation_file)
        kwargs.pop("suffix", None)  # the pre-flight already refused one
        kwargs.pop("metadata", None)
        return kwargs

    async def find_job(self, key: str, token: str, *, model: str,
                       training_file: str | None, since: int) -> dict[str, Any] | None:
        # No metadata to look for: the newest job on this model and file since the loop began.
        async for remote in self.list_jobs():
            if remote.get("model") == model and remote.get("training_file") == training_file \
                    and (remote.get("created_at") or 0) >= since:
                return remote
        return None


class Nebius(OpenAIShaped):
    label = "Nebius"

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        return Capabilities(
            methods=("supervised",),
            method_notes={"dpo": "Nebius Token Factory fine-tunes with supervised jobs only",
                          "reinforcement": "Nebius Token Factory fine-tunes with supervised "
                                           "jobs only"},
            missing={
                Feature.PAUSE: "Nebius documents no pause for fine-tuning jobs",
                Feature.RESUME: "Nebius documents no resume for fine-tuning jobs",
                Feature.SERVES_AT_ONCE: "a LoRA trained on Nebius answers once it is deployed "
                                        "as a custom model in Token Factory (its console or "
                                        "API); then call it by the name Nebius gives it",
            })

    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        kwargs = super().create_kwargs(spec, training_file, validation_file)
        kwargs.pop("method", None)
        hyper = dict(spec.hyperparameters)
        hyper.update(spec.options)
        if hyper:
            kwargs["hyperparameters"] = hyper
        return kwargs

    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        model = job.fine_tuned_model or ""
        return Answerable(model=model, ready=False,
                          message=self.capabilities.why_not(Feature.SERVES_AT_ONCE) or "")
