import pytest

from ketacare.patients.models import Patient
from tests.factories import PatientFactory, SitterFactory


@pytest.mark.django_db
def test_factories_build_a_patient_with_an_account_and_a_sitter() -> None:
    patient = PatientFactory(with_account=True)
    sitter = SitterFactory(clinic=patient.clinic, patients=[patient])
    assert Patient.objects.visible_to(sitter.user).get() == patient
    assert Patient.objects.visible_to(patient.user).get() == patient
