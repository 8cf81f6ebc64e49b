from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketacare.accounts.identifiers import is_valid_dea, is_valid_npi
from ketacare.accounts.roles import STAFF_ROLES, Role
from ketacare.accounts.validators import (
    validate_dea_number,
    validate_npi,
    validate_phone,
    validate_timezone,
)
from ketacare.kernel.fields import ClockDateTimeField


class Clinic(models.Model):
    """The tenant: every piece of health data belongs to exactly one clinic."""

    name = models.CharField(max_length=200, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    on_call_phone = models.CharField(
        "on-call phone",
        max_length=32,
        validators=[validate_phone],
        help_text="The number patients and sitters call when something goes wrong.",
    )
    emergency_number = models.CharField(
        max_length=8,
        default="911",
        validators=[validate_phone],
        help_text="The local emergency number shown beside crisis resources.",
    )
    # Sign-in security (web.signin). Prescribers and pharmacists always use a second
    # factor, whatever this says; the clinic chooses for its other staff (fail closed).
    require_staff_mfa = models.BooleanField(
        "require a second factor for all staff",
        default=True,
        help_text="Staff sign in with a code from an authenticator app as well as their "
        "password. Prescribers and pharmacists always do, whatever this says.",
    )
    # Idle sign-out: ketacare defaults, the clinic's choice (docs/clinical-defaults.md).
    staff_idle_minutes = models.PositiveSmallIntegerField(
        "staff idle sign-out (minutes)",
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text="Staff are signed out after this many minutes without activity.",
    )
    person_idle_minutes = models.PositiveSmallIntegerField(
        "patient and sitter idle sign-out (minutes)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text="Patients and sitters are signed out after this many minutes without activity.",
    )
    # The clinic as a DEA registrant: its records for an inspector carry both (21 CFR 1304.04).
    dea_registration_number = models.CharField(
        "DEA registration number",
        max_length=9,
        blank=True,
        validators=[validate_dea_number],
        help_text="The clinic's own registration, as on its DEA certificate.",
    )
    registered_address = models.TextField(
        "registered address", blank=True, help_text="The address on the DEA registration."
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. `clinic` is empty only for platform superusers."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    # A prescriber's identity, copied onto every prescription they write.
    dea_number = models.CharField(
        "DEA registration number",
        max_length=9,
        blank=True,
        validators=[validate_dea_number],
        help_text="Two letters and seven digits, as on the DEA certificate.",
    )
    npi = models.CharField(
        "NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text="The 10-digit National Provider Identifier.",
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar = ["username"]

    @property
    def roles(self) -> frozenset[Role]:
        cached: frozenset[Role] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            if self.pk is None:
                cached = frozenset()
            else:
                cached = frozenset(Role(r.role) for r in self.role_grants.all())
            self._roles_cache = cached
        return cached

    def forget_roles(self) -> None:
        self.__dict__.pop("_roles_cache", None)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_clinic_staff(self) -> bool:
        return self.clinic_id is not None and bool(self.roles & STAFF_ROLES)

    @property
    def is_patient(self) -> bool:
        return Role.PATIENT in self.roles

    @property
    def is_sitter(self) -> bool:
        return Role.SITTER in self.roles

    @property
    def role_label(self) -> str:
        """The roles as one string, the way the audit log records them."""
        if self.is_superuser and not self.roles:
            return "superuser"
        return ",".join(sorted(self.roles))

    @property
    def prescriber_identity_missing(self) -> list[str]:
        """What this user lacks to write a prescription: "DEA registration number", "NPI"."""
        missing = []
        if not is_valid_dea(self.dea_number):
            missing.append("DEA registration number")
        if not is_valid_npi(self.npi):
            missing.append("NPI")
        return missing

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleGrant(models.Model):
    """One role held by one user (a user may hold several)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_is_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"
