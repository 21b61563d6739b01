"""Prompt optimization from an eval's feedback (GEPA) on tunedeck's own eval engine.

item_split: train / validation / held-out test. candidates: a candidate's
messages. gepa_adapter: GEPA's evaluate and reflective dataset through the eval
runner. reflection_lm: the reflection model through tunedeck's client.
spend_cap: the dollar cap. optimize_preflight: calls and cost before anything
is sent. optimize_driver: create, run, resume, stop. held_out: the best
candidate saved as a prompt version and proved on the held-out items.
"""
