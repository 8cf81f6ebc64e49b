"""Admin pages: read-only alerts, notifications and contact preferences; the on-call roster.

Alerts and notifications change only through the services and the worker; a contact
preference only through its person (portal, API).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.alerts.models import Alert, Notification, OnCallRoster, OnCallShift
from ketacare.alerts.preferences import ContactPreference
from ketacare.audit.admin_scoping import ClinicScopedAdmin


class _ReadOnlyAdmin(ClinicScopedAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(_ReadOnlyAdmin):
    # About a patient, or a screening lead of the public self-screen (no patient yet).
    list_display = (
        "patient",
        "lead",
        "cause",
        "severity",
        "status",
        "raised_at",
        "escalation_level",
    )
    list_filter = ("status", "severity", "cause")
    list_select_related = ("patient", "lead")


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    clinic_field = "alert__clinic_id"
    list_display = ("alert", "channel", "recipient_label", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    list_select_related = ("alert",)


@admin.register(ContactPreference)
class ContactPreferenceAdmin(_ReadOnlyAdmin):
    """How a patient or sitter of the clinic is reminded: theirs to change, staff read it."""

    clinic_field = "user__clinic_id"
    list_display = ("user", "channels", "quiet_from", "quiet_until", "updated_at")
    list_filter = ("channels",)
    list_select_related = ("user",)


class OnCallShiftInline(admin.TabularInline[OnCallShift, OnCallRoster]):
    model = OnCallShift
    extra = 1
    fields = ("level", "is_medical_director", "user", "starts_at", "ends_at")


@admin.register(OnCallRoster)
class OnCallRosterAdmin(ClinicScopedAdmin):
    """Who is on call at which level, and the minutes before an alert escalates."""

    list_display = ("clinic", "urgent_escalation_min", "emergency_escalation_min")
    inlines = (OnCallShiftInline,)
