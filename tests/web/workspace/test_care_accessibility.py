"""Every care page: each input has a label, ids are unique, nothing is fetched from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.web.helpers import page_text


class Inputs(HTMLParser):
    """The form controls of a page, the ids, the labels' targets, and wrapped controls."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.wrapped: set[str] = set()
        self._open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "label":
            self._open_labels += 1
            if values.get("for"):
                self.label_for.add(values["for"] or "")
        if tag in {"input", "select", "textarea"} and values.get("type") != "hidden":
            control = values.get("id") or values.get("name") or "?"
            self.controls.append(control)
            if self._open_labels:
                self.wrapped.add(control)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._open_labels -= 1


PAGES = [
    ("clinician", "ws-intake-review"),
    ("prescriber", "ws-plan"),
    ("prescriber", "ws-prescriptions"),
    ("pharmacist", "ws-dispense"),
    ("pharmacist", "ws-pharmacy"),
    ("clinician", "ws-reviews"),
]


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize(("role", "name"), PAGES)
def test_every_control_is_labelled_and_nothing_is_external(
    request, role, name, approved, signed_in
):
    kwargs = {} if name in {"ws-pharmacy", "ws-reviews"} else {"patient_id": approved.pk}
    response = signed_in(request.getfixturevalue(role)).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    html = page_text(response)
    parsed = Inputs()
    parsed.feed(html)
    unlabelled = [c for c in parsed.controls if c not in parsed.label_for | parsed.wrapped]
    assert not unlabelled
    duplicates = {i for i in parsed.ids if parsed.ids.count(i) > 1}
    assert not duplicates
    # No script, style sheet, image or font from another host.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


def test_the_review_form_is_labelled(submit, patient, clinician, signed_in):
    submit()
    url = reverse("ws-intake-review", kwargs={"patient_id": patient.pk})
    html = page_text(signed_in(clinician).post(url, {"decision": "decline"}))
    parsed = Inputs()
    parsed.feed(html)
    assert {"id_decision_0", "id_decision_1", "id_justification"} <= set(parsed.controls)
    assert not [c for c in parsed.controls if c not in parsed.label_for | parsed.wrapped]
    assert "<legend>Decision" in html
    assert '<a href="#id_justification">' in html  # the summary links to the field
