"""Local evals: OpenAI's grader schema, eval files, a resumable runner, compare, import.

No textual here: the evals pane, `tunedeck eval` and the tests all call this package.
"""
