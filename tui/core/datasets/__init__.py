"""Fine-tuning datasets: formats, exact validation, token counts and statistics.

The public entry points live in `tui.core.datasets.validate`; this package's
own import stays light because worker processes import its modules.
"""
