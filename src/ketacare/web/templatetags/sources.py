"""`{{ finding.source|cite }}`: a source by name ("Spravato label (REMS)"), for staff pages.

The stored `source` keeps its CLINICAL.md section; `clinical.sources` names it. Patient
and sitter pages show no source at all.
"""

from __future__ import annotations

from django import template

from ketacare.clinical import sources

register = template.Library()


@register.filter
def cite(source: object) -> str:
    return sources.cite(str(source or ""))
