"""The review page shows each current medicine as recognised, or to check by hand.

Issue 14, item 5: a recognised name shows its group and the class it counts as; a name
not recognised says so next to it. An assessment stored before medicines were read has
no such list, and the page still reads it.
"""

from __future__ import annotations

import re

from django.urls import reverse

from tests.web.helpers import page_text


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return reverse("ws-intake-review", kwargs={"patient_id": patient.pk})


def medicine_items(html: str) -> list[str]:
    listed = re.search(r'<ul class="findings medicines">(.*?)</ul>', html, re.DOTALL)
    assert listed is not None
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in listed[1].split("<li>")[1:]]


def test_each_medicine_shows_its_class_or_not_recognised(submit, patient, clinician, signed_in):
    submit(
        current_medications=[
            {"name": "lorazepam 1 mg at night", "dose": "", "classes": []},
            {"name": "Zorbafex", "dose": "20 mg daily", "classes": []},
            {"name": "sertraline", "dose": "100 mg", "classes": []},
        ]
    )
    response = signed_in(clinician).get(url(patient))
    assert response.status_code == 200
    html = page_text(response)
    assert medicine_items(html) == [
        "lorazepam 1 mg at night: Benzodiazepine (lorazepam) counts as Benzodiazepine",
        "Zorbafex: Not recognised not recognised: check by hand",
        (
            "sertraline: SSRI antidepressant (sertraline) "
            "(counts as none of the classes eligibility weighs)"
        ),
    ]
    assert "Concurrent benzodiazepine" in html


def test_an_assessment_stored_before_medicines_were_read_still_shows(
    submit, patient, clinician, signed_in
):
    intake = submit()
    assert intake.eligibility is not None
    older = {
        k: v
        for k, v in intake.eligibility.items()
        if k not in {"medicines", "unrecognised_medicines"}
    }
    intake.eligibility = older
    intake.save(update_fields=["eligibility"])
    response = signed_in(clinician).get(url(patient))
    assert response.status_code == 200
    html = page_text(response)
    assert "Eligibility findings" in html
    assert "Current medicines, as recognised" not in html
    assert "check by hand" not in html
