"""The playground's engine: run a prompt against a model, streaming."""
