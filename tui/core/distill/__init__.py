"""Distillation: prompts → a teacher's answers → (graded filter) → a new SFT dataset version."""
