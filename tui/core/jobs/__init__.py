"""Fine-tuning jobs: specs and their checks, pre-flight, upload, launch, sync, watching.

Provider-neutral: every call to a provider goes through the fine-tuning port
(tui.core.finetune), which answers in OpenAI's shapes.

No textual here: the Jobs pane, the `tunedeck jobs` command and the tests all
call these modules.
"""
