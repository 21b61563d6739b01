"""Fine-tuning jobs: specs and their checks, pre-flight, upload, launch, sync, watching.

No textual here: the Jobs pane, the `tunedeck jobs` command and the tests all
call these modules.
"""
