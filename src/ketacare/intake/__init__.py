"""Intake (the patient's answers, saved as a draft, then submitted) and eligibility review."""
