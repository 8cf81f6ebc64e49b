"""Exports of the clinic's records: choose the days, the kinds of record and the mode.

The clinic's administrators export its records as they are; prescribers and
administrators export them pseudonymised for research (kernel.policy: export_records,
export_research). The answer is a zip of CSV files (ketacare.interop.exports), built in
a temporary file that spills to disk beyond a few megabytes, then streamed.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ketacare.accounts.models import Clinic, User
from ketacare.interop.exports.records import RECORD_TYPES
from ketacare.interop.exports.services import ExportResult, export
from ketacare.interop.exports.sinks import ZipSink
from ketacare.interop.exports.specs import ExportSpec
from ketacare.kernel import clock, policy, specs
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.common import staff_user

# Kept in memory up to this size, then on disk (the export may be large).
SPOOL_BYTES = 8 * 1024 * 1024
DEFAULT_DAYS = 30
NOT_ALLOWED = (
    "Only the clinic's administrators export its records, and prescribers for research "
    "(pseudonymised). Ask an administrator of your clinic for the export you need."
)


class ExportForm(forms.Form):
    first_day = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(
        label="To (included)", widget=forms.DateInput(attrs={"type": "date"})
    )
    types = forms.MultipleChoiceField(
        label="Records",
        choices=[(t.key, t.words) for t in RECORD_TYPES.values()],
        widget=forms.CheckboxSelectMultiple,
    )
    research = forms.BooleanField(
        label="Pseudonymised for research",
        required=False,
        help_text="No names, contact details, dates of birth or free text; every id becomes a "
        "code and each patient's dates move by a number of days of their own.",
    )


def _clinic(user: User) -> Clinic:
    if user.clinic is None:  # the installation's superuser belongs to no clinic
        raise Http404("This page is for a clinic's staff.")
    return user.clinic


def _initial(clinic: Clinic) -> dict[str, Any]:
    today = clock.now().astimezone(ZoneInfo(str(clinic.timezone))).date()
    return {
        "first_day": today - timedelta(days=DEFAULT_DAYS),
        "last_day": today,
        "types": list(RECORD_TYPES),
    }


def _download(result: ExportResult, archive: Any) -> FileResponse:
    archive.seek(0)
    days = f"{result.window.first_day}-to-{result.window.last_day}"
    name = f"ketacare-{result.mode}-{days}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


def _export(user: User, clinic: Clinic, form: ExportForm, research: bool) -> FileResponse:
    """The zip the valid `form` asks for (a service's refusal is raised)."""
    data = form.cleaned_data
    wanted = {
        "clinic_id": clinic.pk,
        "first_day": data["first_day"].isoformat(),
        "last_day": data["last_day"].isoformat(),
        "types": data["types"],
        "research": research,
    }
    spec = specs.read(ExportSpec, wanted)
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the response closes it
    with ZipSink(archive) as sink:
        result = export(user, spec, sink)
    return _download(result, archive)


@login_required
@require_http_methods(["GET", "POST"])
def exports_view(request: HttpRequest) -> HttpResponse | FileResponse:
    user = staff_user(request)
    identifying = policy.may(user, "export_records")
    if not (identifying or policy.may(user, "export_research")):
        raise PermissionDenied(NOT_ALLOWED)
    clinic = _clinic(user)
    form = ExportForm(request.POST or None, initial=_initial(clinic))
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            research = bool(form.cleaned_data["research"]) or not identifying
            try:
                return _export(user, clinic, form, research)
            except REFUSALS as exc:
                status = show_refusal(form, exc, {"last_day": "last_day", "types": "types"})
    context = {"form": form, "clinic": clinic, "identifying": identifying}
    return render(request, "web/workspace/exports.html", context, status=status)
