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
from ketacare.patients.models import ClinicProtocol
from ketacare.patients.protocol import change_protocol, clinic_rules, review_note_required
from ketacare.patients.specs import ProtocolSpec
from ketacare.web.common import current_user, require_staff
from ketacare.web.refusals import show_refusal
from ketacare.web.workspace.forms import ProtocolForm


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
        found.append(Version(protocol, changes))
        before = after
    return found[::-1]


def _clinic(user: User) -> Clinic:
    if user.clinic is None:  # a platform superuser belongs to no clinic
        raise Http404("This page is for a clinic's staff.")
    return user.clinic


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
    form = (
        ProtocolForm(request.POST or None, current=current.values, review_note=review_note)
        if may_change
        else None
    )
    status = 200
    if form is not None and form.is_bound:
        status = 400
        if form.is_valid():
            try:
                wanted = {
                    "changes": form.changes(),
                    "reason": form.cleaned_data["reason"],
                    "review_note_before_revision": form.cleaned_data["review_note_before_revision"],
                }
                version = change_protocol(user, clinic, specs.read(ProtocolSpec, wanted))
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
    }
    return render(request, "web/workspace/protocol.html", context, status=status)
