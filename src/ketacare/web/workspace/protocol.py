"""The clinic's protocol: every setting a clinic may change, its value, and its versions.

All staff read it; the clinic's administrators (the medical director's sign-off) change
it with a reason (`patients.protocol.change_protocol`, which refuses anyone else and any
value outside a setting's range). What the settings mean, their defaults, ranges and
sources are `clinical.rules`'s; this page only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.models import Clinic, User
from ketacare.clinical import rules
from ketacare.kernel import policy, specs
from ketacare.patients.models import ClinicProtocol, Jurisdiction, PatientReturns
from ketacare.patients.protocol import (
    change_protocol,
    clinic_rules,
    current_protocol,
    review_note_required,
)
from ketacare.patients.specs import ProtocolSpec
from ketacare.web.common import current_user, require_staff
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.protocol_form import ProtocolForm


def number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Row:
    """One setting as the page lists it."""

    setting: rules.Setting
    value: str
    default: str
    changed: bool  # the clinic's choice differs from the default


@dataclass(frozen=True)
class Change:
    setting: rules.Setting
    before: str
    after: str
    loosened: bool


@dataclass(frozen=True)
class Version:
    protocol: ClinicProtocol
    changes: tuple[Change, ...]
    choices: tuple[str, ...] = ()  # the clinic's choices this version changed, in words


def _rows(current: rules.ClinicRules) -> list[Row]:
    return [
        Row(s, number(current.values[s.name]), number(s.default), s.name in current.changed())
        for s in rules.SETTINGS
    ]


def _versions(clinic_id: int) -> list[Version]:
    """Every version, newest first, with what it changed from the one before."""
    found: list[Version] = []
    before = rules.rules_for()
    protocols = ClinicProtocol.objects.filter(clinic_id=clinic_id).select_related("written_by")
    for protocol in protocols.order_by("version"):
        after = rules.rules_for(protocol.changes)
        changes = tuple(
            Change(
                s,
                number(before.values[s.name]),
                number(after.values[s.name]),
                s.name in protocol.loosened,
            )
            for s in rules.SETTINGS
            if before.values[s.name] != after.values[s.name]
        )
        found.append(Version(protocol, changes, _choices_changed(found, protocol)))
        before = after
    return found[::-1]


_CHOICE_WORDS = {
    "jurisdiction": ("Controlled-substance law", Jurisdiction),
    "patient_returns": ("Patients' controlled substances given back", PatientReturns),
}


def _choices_changed(earlier: list[Version], protocol: ClinicProtocol) -> tuple[str, ...]:
    """The choices that differ from the version before (the first: from the defaults)."""
    before = (
        {n: getattr(earlier[-1].protocol, n) for n in _CHOICE_WORDS}
        if earlier
        else {"jurisdiction": Jurisdiction.US, "patient_returns": PatientReturns.NOT_ACCEPTED}
    )
    return tuple(
        f"{title}: {kind(before[name]).label} to {kind(getattr(protocol, name)).label}"
        for name, (title, kind) in _CHOICE_WORDS.items()
        if getattr(protocol, name) != before[name]
    )


def _clinic(user: User) -> Clinic:
    if user.clinic is None:  # a platform superuser belongs to no clinic
        raise Http404("This page is for a clinic's staff.")
    return user.clinic


def _choices_in_force(clinic_id: int) -> dict[str, str]:
    """The clinic's choices beside the numbers: jurisdiction, and patient returns."""
    in_force = current_protocol(clinic_id)
    if in_force is None:  # the defaults: fail closed, no returns accepted (21 CFR 1317)
        return {
            "jurisdiction": Jurisdiction.US.value,
            "patient_returns": PatientReturns.NOT_ACCEPTED.value,
        }
    return {"jurisdiction": in_force.jurisdiction, "patient_returns": in_force.patient_returns}


def _wanted(form: ProtocolForm) -> ProtocolSpec:
    data = form.cleaned_data
    choices = {n: data[n] or None for n in ("jurisdiction", "patient_returns")}  # "": as now
    names = ("reason", "review_note_before_revision")
    wanted = {"changes": form.changes()} | {n: data[n] for n in names} | choices
    return specs.read(ProtocolSpec, wanted)


@login_required
@require_http_methods(["GET", "POST"])
def protocol_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    require_staff(user)
    clinic = _clinic(user)
    current = clinic_rules(clinic.pk)
    may_change = policy.may(user, "change_protocol")
    if request.method == "POST" and not may_change:
        raise PermissionDenied("Only the clinic's administrators change its protocol.")
    review_note = review_note_required(clinic.pk)
    choices = _choices_in_force(clinic.pk)
    form = (
        ProtocolForm(
            request.POST or None, current=current.values, review_note=review_note, choices=choices
        )
        if may_change
        else None
    )
    status = 200
    if form is not None and form.is_bound:
        status = 400
        if form.is_valid():
            try:
                version = change_protocol(user, clinic, _wanted(form))
            except ValidationError as exc:
                status = show_refusal(form, exc)
            else:
                messages.success(request, f"Protocol version {version.version} is in force.")
                return redirect("ws-protocol")
    context = {
        "rows": _rows(current),
        "clinic": clinic,
        "versions": _versions(clinic.pk),
        "form": form,
        "may_change": may_change,
        "review_note": review_note,
        "jurisdiction": Jurisdiction(choices["jurisdiction"]).label,
        "patient_returns": PatientReturns(choices["patient_returns"]).label,
    }
    return render(request, "web/workspace/protocol.html", context, status=status)
