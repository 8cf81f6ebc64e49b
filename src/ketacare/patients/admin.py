from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ketacare.accounts.roles import Role
from ketacare.audit.admin_scoping import ClinicScopedAdmin
from ketacare.kernel import policy, specs
from ketacare.patients import registration, services
from ketacare.patients.models import Consent, ConsentDocument, Patient, PhaseChange, Sitter
from ketacare.patients.specs import ConsentDocumentSpec, PatientSpec, RegistrationSpec

# Who may add and change records here: the policy table's record editors.
RECORD_EDITORS = frozenset(Role(r) for r in policy.rule("update_patient").staff)


class PatientAdminForm(forms.ModelForm[Patient]):
    """The record, refused on the form as the services would refuse it (not a 500)."""

    not_a_duplicate = forms.BooleanField(
        required=False,
        label="A different person",
        help_text="Tick when a record was flagged as possibly the same person and is not.",
    )

    class Meta:
        model = Patient
        fields = (*services.PATIENT_FIELDS, "clinic")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        clinic_id = self.instance.clinic_id or getattr(data.get("clinic"), "pk", None)
        born = data.get("date_of_birth")
        if clinic_id is None or born is None or self.errors:
            return data
        try:
            if self.instance.pk is None or born != self.instance.date_of_birth:
                registration.require_adult(clinic_id, born)
            if self.instance.pk is None and not data.get("not_a_duplicate"):
                registration.require_no_duplicate(clinic_id, data, exclude=None)
        except ValidationError as exc:
            self.add_error(None, exc)
        except registration.PossibleDuplicate as exc:
            self.add_error("not_a_duplicate", exc.message)
        return data


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    list_display = ("legal_name", "phase", "indication", "date_of_birth", "clinic")
    list_filter = ("phase", "indication")
    search_fields = ("legal_name", "email", "phone")
    readonly_fields = ("phase", "phase_since", "paused_from", "user", "created_at", "updated_at")
    editor_roles = RECORD_EDITORS
    list_select_related = ("clinic",)
    form = PatientAdminForm

    def save_model(self, request: HttpRequest, obj: Patient, form: Any, change: bool) -> None:
        # Through the services, so the admin validates, scopes and audits like every face.
        given = {k: form.cleaned_data[k] for k in services.PATIENT_FIELDS}
        actor = request.user
        if change:
            spec = specs.read(PatientSpec, given)
            saved = services.update_patient(actor, obj, spec)  # type: ignore[arg-type]
        else:
            clinic = obj.clinic if actor.is_superuser else actor.clinic  # type: ignore[union-attr]
            confirmed = bool(form.cleaned_data.get("not_a_duplicate"))
            new = specs.read(RegistrationSpec, {**given, "not_a_duplicate": confirmed})
            saved = services.register_patient(actor, clinic, new)  # type: ignore[arg-type]
        obj.pk, obj.clinic_id, obj.phase = saved.pk, saved.clinic_id, saved.phase


@admin.register(Sitter)
class SitterAdmin(ClinicScopedAdmin):
    list_display = ("name", "phone", "relationship", "adult_confirmed", "clinic")
    list_filter = ("adult_confirmed",)
    search_fields = ("name", "phone", "email")
    filter_horizontal = ("patients",)
    editor_roles = RECORD_EDITORS

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        sitter = form.instance
        # A sitter sits only for patients of their own clinic, and never for themself.
        sitter.patients.remove(*sitter.patients.exclude(clinic_id=sitter.clinic_id))
        own = sitter.patients.filter(user_id=sitter.user_id) if sitter.user_id else None
        if own:
            sitter.patients.remove(*own)
            messages.warning(
                request,
                "A patient cannot be their own sitter: the link to their own record was removed.",
            )


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ClinicScopedAdmin):
    list_display = ("title", "kind", "version", "published_at", "clinic")
    readonly_fields = ("version", "body_sha256")
    editor_roles = frozenset({Role.ADMIN})
    audited = False  # the consent text is not about any patient

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            # Publishing takes a title and a text; the version and time are the service's.
            return ("clinic", "title", "body") if request.user.is_superuser else ("title", "body")
        return ("clinic", "kind", "version", "title", "body", "body_sha256", "published_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version is never edited; publish a new one instead.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ConsentDocument, form: Any, change: bool
    ) -> None:
        actor = request.user
        clinic = obj.clinic if actor.is_superuser else actor.clinic  # type: ignore[union-attr]
        spec = specs.read(ConsentDocumentSpec, {"title": obj.title, "body": obj.body})
        doc = services.publish_consent(actor, clinic, spec)  # type: ignore[arg-type]
        obj.pk, obj.version, obj.clinic_id = doc.pk, doc.version, doc.clinic_id


class _ReadOnlyAdmin(ClinicScopedAdmin):
    """Records written only by the services (signatures, phase history)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "document", "signature_name", "signed_at")
    list_select_related = ("patient", "document")


@admin.register(PhaseChange)
class PhaseChangeAdmin(_ReadOnlyAdmin):
    list_display = ("patient", "from_phase", "to_phase", "actor", "at")
    list_filter = ("to_phase",)
    list_select_related = ("patient", "actor")
