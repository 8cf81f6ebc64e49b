"""The medicine of ketacare: pure Python, no Django, no I/O.

Every clinical number here comes from the project's clinical reference
(CLINICAL.md), cited by section, with defaults a clinic may override.
"""
