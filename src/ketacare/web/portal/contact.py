"""How we contact you: a patient's or sitter's own channels and quiet hours.

The page of whoever is signed in (no id in its address: there is no one else's to open);
anyone without a patient or sitter record (staff) gets a 404. The form only parses; the
spec and the use case (ketacare.alerts.preference_services) decide.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketacare.alerts.preference_services import (
    ContactView,
    change_contact_preferences,
    my_contact_preferences,
)
from ketacare.alerts.preferences import ContactChannels
from ketacare.alerts.specs import ContactPreferencesSpec
from ketacare.kernel import specs
from ketacare.kernel.errors import DomainError
from ketacare.web.common import current_user
from ketacare.web.portal import pages
from ketacare.web.refusals import show_refusal

CHANNEL_WORDS = (
    (ContactChannels.SMS.value, "By text message"),
    (ContactChannels.EMAIL.value, "By email"),
    (ContactChannels.BOTH.value, "By text message and by email"),
)
FIELDS = {"channels": "channels", "quiet_from": "quiet_from", "quiet_until": "quiet_until"}
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ContactForm(forms.Form):
    channels = forms.ChoiceField(
        label="How should we remind you?",
        choices=CHANNEL_WORDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how we remind you."},
    )
    quiet = forms.BooleanField(
        label="Hold reminders during quiet hours", required=False, initial=True
    )
    quiet_from = forms.TimeField(label="Quiet from", required=False, widget=_TIME)
    quiet_until = forms.TimeField(label="Quiet until", required=False, widget=_TIME)


def zone_words(zone: str) -> str:
    """A time zone as a person says it: "America/New_York" -> "New York time"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def _initial(view: ContactView) -> dict[str, object]:
    return {
        "channels": view.channels.value,
        "quiet": view.quiet_from is not None,
        "quiet_from": view.quiet_from,
        "quiet_until": view.quiet_until,
    }


def _spec(form: ContactForm) -> ContactPreferencesSpec:
    data = form.cleaned_data
    quiet = bool(data["quiet"])
    return specs.read(
        ContactPreferencesSpec,
        {
            "channels": data["channels"],
            "quiet_from": data["quiet_from"] if quiet else None,
            "quiet_until": data["quiet_until"] if quiet else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    view = my_contact_preferences(user)  # 404 without a patient or sitter record
    form = ContactForm(pages.posted(request), initial=_initial(view))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = change_contact_preferences(user, _spec(form))
        except (ValidationError, DomainError) as exc:
            status = show_refusal(form, exc, FIELDS)
        else:
            words = dict(CHANNEL_WORDS)[saved.channels.value].lower()
            messages.success(request, f"Saved. We will remind you {words}.")
            return redirect("portal-contact")
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "view": view,
        "zone_words": zone_words(view.zone),
        "clinic": user.clinic,
    }
    return render(request, "web/portal/contact.html", context, status=status)
