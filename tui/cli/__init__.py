"""The command line: `tunedeck [--sandbox] [SUBCOMMAND …]`.

`main.py` parses the arguments and starts the TUI or a subcommand; each subcommand is
a module here with `register(subparsers)` and `run(args) -> int`, built on
`plumbing` (the Workbench a command runs on, failures in words, the exit codes).
"""
