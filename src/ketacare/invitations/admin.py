"""Admin: the clinic's portal invitations, read-only (they change through the use cases)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ketacare.audit.admin_scoping import ClinicScopedAdmin
from ketacare.invitations.models import Invitation
from ketacare.kernel import clock


@admin.register(Invitation)
class InvitationAdmin(ClinicScopedAdmin):
    list_display = ("invitee", "channel", "status", "created_at", "expires_at", "sent_count")
    list_filter = ("channel",)
    list_select_related = ("patient", "sitter")
    exclude = ("address",)  # the outbox holds the address; the list needs no contact detail

    @admin.display(description="for")
    def invitee(self, obj: Invitation) -> str:
        return obj.invitee_label

    @admin.display(description="status")
    def status(self, obj: Invitation) -> str:
        return str(obj.status_at(clock.now()).label)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
