"""Admin pages: read-only alerts and notifications; the on-call roster, kept by admins.

Alerts and notifications change only through the services and the worker.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.alerts.models import Alert, Notification, OnCallRoster, OnCallShift
from ketacare.audit.admin_scoping import ClinicScopedAdmin


class _ReadOnlyAdmin(ClinicScopedAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "cause", "severity", "status", "raised_at", "escalation_level")
    list_filter = ("status", "severity", "cause")
    list_select_related = ("patient",)


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    clinic_field = "alert__clinic_id"
    list_display = ("alert", "channel", "recipient_label", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    list_select_related = ("alert",)


class OnCallShiftInline(admin.TabularInline[OnCallShift, OnCallRoster]):
    model = OnCallShift
    extra = 1
    fields = ("level", "is_medical_director", "user", "starts_at", "ends_at")


@admin.register(OnCallRoster)
class OnCallRosterAdmin(ClinicScopedAdmin):
    """Who is on call at which level, and the minutes before an alert escalates."""

    list_display = ("clinic", "urgent_escalation_min", "emergency_escalation_min")
    inlines = (OnCallShiftInline,)
