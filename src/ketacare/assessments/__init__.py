"""Questionnaires: responses scored by the clinical core, schedules, due items, outcomes."""
