"""Portal invitations: a patient or a sitter is given a sign-in by a link staff send them.

The invited account is created inactive with no usable password; the link (single use,
expiring: `ketacare.invitations.tokens`) lets its owner set a password, which activates
it. One invitation is for one person on one channel; a resend sends a new link for the
same invitation (the old link stops working), a revoke ends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.fields import ClockDateTimeField
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from ketacare.accounts.models import User


class InvitationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class InvitationQuerySet(ScopedQuerySet["Invitation"]):
    def visible_to(self, user: User | Any) -> InvitationQuerySet:
        """The clinic's staff (and the superuser) see its invitations; no one else any."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        if user.clinic_id is None or not user.is_clinic_staff:
            return self.none()
        return self.filter(clinic_id=user.clinic_id)


class Invitation(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="The account the invitee signs in with (inactive until they accept).",
    )
    # Whom it is for: the patient themself, or one of their sitters (then `patient` is the
    # patient whose chart it was sent from).
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    sitter = models.ForeignKey(
        Sitter, on_delete=models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    channel = models.CharField(max_length=8, choices=InvitationChannel.choices)
    address = models.CharField(max_length=254, help_text="The email address or phone number.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How many links were sent: a resend counts up, and the link's token holds the count,
    # so only the latest link works.
    sent_count = models.PositiveSmallIntegerField(default=1)
    last_sent_at = models.DateTimeField()

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(channel__in=InvitationChannel.values), name="invitation_channel_known"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} of {self.invitee_label} ({self.channel})"

    @property
    def for_sitter(self) -> bool:
        return self.sitter_id is not None

    @property
    def invitee_label(self) -> str:
        """Whom it is for, in the clinic's words: "patient Pat Doe", "sitter Robin"."""
        if self.sitter is not None:
            return f"sitter {self.sitter.name}"
        return f"patient {self.patient.legal_name}"

    def status_at(self, at: datetime) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if at >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
