"""Searchset Bundles: one page of a type's rows, the links to the others, `_include`.

Paging is by offset: `_count` rows from `_offset` (default 20, at most 100). Links
self, next and previous repeat the search's parameters with `_count` and `_offset`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet

from ketacare.interop.fhir import registry
from ketacare.interop.fhir.registry import Context, ResourceType, Rows
from ketacare.interop.fhir.search import Paging
from ketacare.patients.models import Patient


@dataclass(frozen=True)
class Page:
    total: int
    rows: list[Any]


def page_of(rows: Rows, paging: Paging) -> Page:
    end = paging.offset + paging.count
    if isinstance(rows, QuerySet):
        return Page(rows.count(), list(rows[paging.offset : end]))
    return Page(len(rows), list(rows[paging.offset : end]))


def entry(resource_type: ResourceType, row: Any, context: Context, mode: str) -> dict[str, Any]:
    resource = resource_type.render(row, context)
    return {
        "fullUrl": f"{context.base_url}/{resource_type.name}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def included_patients(resource_type: ResourceType, rows: Iterable[Any]) -> list[Patient]:
    """The distinct patients of `rows`, in the order met."""
    seen: dict[int, Patient] = {}
    for row in rows:
        patient = resource_type.patient_of(row)
        if patient is not None:
            seen.setdefault(patient.pk, patient)
    return list(seen.values())


def searchset(
    resource_type: ResourceType,
    page: Page,
    context: Context,
    links: list[dict[str, str]],
    included: Sequence[Patient] = (),
) -> dict[str, Any]:
    entries = [entry(resource_type, row, context, "match") for row in page.rows]
    patient_type = registry.get("Patient")
    if patient_type is not None and resource_type.name != "Patient":
        entries += [entry(patient_type, p, context, "include") for p in included]
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": page.total}
    if links:
        bundle["link"] = links
    if entries:
        bundle["entry"] = entries
    return bundle


def page_links(
    url: str, params: Mapping[str, Sequence[str]], paging: Paging, total: int
) -> list[dict[str, str]]:
    """self, next (when rows remain) and previous (when this is not the first page)."""
    kept = [
        (k, v) for k, values in params.items() if k not in {"_count", "_offset"} for v in values
    ]

    def at(offset: int) -> str:
        query = urlencode([*kept, ("_count", str(paging.count)), ("_offset", str(offset))])
        return f"{url}?{query}"

    links = [{"relation": "self", "url": at(paging.offset)}]
    if paging.offset + paging.count < total:
        links.append({"relation": "next", "url": at(paging.offset + paging.count)})
    if paging.offset > 0:
        links.append({"relation": "previous", "url": at(max(0, paging.offset - paging.count))})
    return links
