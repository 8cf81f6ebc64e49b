"""The codes a sitter without a sign-in reads out, typed on the patient's device.

The checklist (the sitter's presence) and the session page (the sitter's release) show
one row per eligible sitter: the code sent to them, and the form to type it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.forms import Form

from ketacare.kernel import clock
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import queries
from ketacare.treatment.models import CodePurpose, DosingSession, SitterCode
from ketacare.web.portal.forms import PresenceCodeForm, ReleaseCodeForm


@dataclass(frozen=True)
class SitterRow:
    """One of the patient's sitters, with the code form typed on the patient's device."""

    sitter: Sitter
    code_sent: SitterCode | None  # a code that can still be typed
    form: Form  # the code (and for the release, the answer) the sitter gives
    errors: tuple[str, ...] = ()  # why a code could not be sent


def sitter_rows(
    patient: Patient,
    purpose: CodePurpose,
    *,
    session: DosingSession | None = None,
    bound: Form | None = None,
) -> list[SitterRow]:
    """The eligible sitters; `bound` (a refused form) stays on the row of its sitter."""
    sitters = queries.eligible_sitters(patient)
    waiting = queries.codes_waiting(patient, purpose, clock.now(), session=session)
    chosen = chosen_sitter(bound)
    form_class = PresenceCodeForm if purpose == CodePurpose.PRESENCE else ReleaseCodeForm
    rows = []
    for sitter in sitters:
        form: Form = form_class(
            initial={"sitter": sitter.pk}, sitters=sitters, auto_id=f"id_s{sitter.pk}_%s"
        )
        errors: tuple[str, ...] = ()
        if bound is not None and chosen == sitter.pk:
            if isinstance(bound, form_class):
                form = bound
            else:  # sending the code was refused
                errors = tuple(str(e) for e in bound.non_field_errors())
        rows.append(SitterRow(sitter, waiting.get(sitter.pk), form, errors))
    return rows


def chosen_sitter(form: Form | None) -> int | None:
    if form is None or not form.is_bound:
        return None
    sitter = form.cleaned_data.get("sitter") if hasattr(form, "cleaned_data") else None
    return sitter.pk if isinstance(sitter, Sitter) else None
