"""Patient.first_dose_at (patients 0003) from the doses already on record."""

from typing import Any

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps: Any, schema_editor: Any) -> None:
    patient = apps.get_model("patients", "Patient")
    dosing_session = apps.get_model("treatment", "DosingSession")
    first = (
        dosing_session.objects.filter(patient=OuterRef("pk"), taken_at__isnull=False)
        .order_by("taken_at")
        .values("taken_at")[:1]
    )
    patient.objects.filter(dosing_sessions__taken_at__isnull=False).update(
        first_dose_at=Subquery(first)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_patient_first_dose_at"),
        ("treatment", "0006_plan_check_in_deadline"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
