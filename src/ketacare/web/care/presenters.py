"""Stored records laid out for reading: labels and words, no decisions.

The intake's answers are JSON in the shape of `intake.schemas.IntakeData`; the labels
come from that schema's field descriptions, so a new question shows up here with its
own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from ketacare.intake.schemas import IntakeData

YES_NO = {True: "Yes", False: "No"}


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # label, answer
    headers: list[str] = field(default_factory=list)  # a list of items: a table
    items: list[list[str]] = field(default_factory=list)


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return YES_NO[value]
    if value is None or value == "":
        return "Not answered"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "None"
    return str(value).replace("_", " ")


def _label(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return (info.description if info and info.description else name.replace("_", " ")).rstrip(".")


def _item_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    annotation = model.model_fields[name].annotation
    for arg in getattr(annotation, "__args__", ()):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def intake_sections(data: dict[str, Any]) -> list[Section]:
    """The intake's answers by section, in the order the schema asks them."""
    sections = []
    for name in IntakeData.model_fields:
        if name not in data or data[name] is None:
            continue
        title = _label(IntakeData, name)
        model = _item_model(IntakeData, name)
        value = data[name]
        if isinstance(value, list) and model is not None:
            names = list(model.model_fields)
            sections.append(
                Section(
                    title=title,
                    headers=[_label(model, n) for n in names],
                    items=[[_words(item.get(n)) for n in names] for item in value],
                )
            )
        elif isinstance(value, dict):
            labels = model or IntakeData
            rows = [
                (_label(labels, key) if key in labels.model_fields else key, _words(answer))
                for key, answer in value.items()
            ]
            sections.append(Section(title=title, rows=rows))
        else:
            sections.append(Section(title=title, rows=[(title, _words(value))]))
    return sections


def findings_by_severity(eligibility: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The stored findings grouped: exclusion, caution, info (as clinical.eligibility)."""
    grouped: dict[str, list[dict[str, Any]]] = {"exclusion": [], "caution": [], "info": []}
    for finding in eligibility.get("findings", []):
        grouped.setdefault(finding["severity"], []).append(finding)
    return grouped


def words(value: str) -> str:
    """A stored code as words: "moderately_severe" -> "Moderately severe"."""
    return value.replace("_", " ").capitalize()
