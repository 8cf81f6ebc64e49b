"""The audit hash chain: appending, tamper detection, `audit verify`, and what HTTP records."""

from __future__ import annotations

import itertools
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ketacare.audit.chain import GENESIS_HASH, HASHED_FIELDS, KEYED, KEYED_FIELDS, keyed_hash
from ketacare.audit.context import acting, current
from ketacare.audit.keys import keyring
from ketacare.audit.log import Event, record, record_many, verify
from ketacare.audit.models import AuditAction, AuditEntry, AuditHead
from ketacare.cli import main as cli_main
from tests.factories import PASSWORD, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _events(n: int) -> list[Event]:
    return [
        Event(AuditAction.READ, "patients.Patient", str(i), patient_id=i, detail={"n": i})
        for i in range(1, n + 1)
    ]


@pytest.fixture
def chain() -> list[AuditEntry]:
    """Five entries, recorded one by one as a named actor."""
    with acting(label="test:chain", request_id="chain-req", ip_address="10.1.2.3"):
        return [record(event) for event in _events(5)]


def _verify_command_error() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit", "verify")
    return str(excinfo.value)


# --- appending -------------------------------------------------------------------------------


def test_empty_log_verifies() -> None:
    result = verify()
    assert result.ok
    assert result.checked == 0


def test_records_consecutive_seqs_each_linked_to_the_previous_hash(chain) -> None:
    stored = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    assert len({e.hash for e in stored}) == 5
    result = verify()
    assert result.ok
    assert result.checked == 5


def test_stored_hash_is_recomputable_from_the_reloaded_row(chain) -> None:
    # What was hashed in memory must equal what comes back from the database
    # (timestamps, JSON detail): otherwise verify would fail on an untouched log.
    keys = keyring()
    for entry in AuditEntry.objects.order_by("seq"):
        assert entry.version == KEYED
        assert entry.key_id == keys.signing_id
        fields = {name: getattr(entry, name) for name in KEYED_FIELDS}
        assert keyed_hash(fields, keys.signing) == entry.hash


def test_head_remembers_the_tail(chain) -> None:
    head = AuditHead.objects.get(pk=1)
    assert head.seq == 5
    assert head.hash == AuditEntry.objects.get(seq=5).hash


def test_unicode_and_nested_detail_round_trips_and_verifies() -> None:
    record(
        Event(
            AuditAction.UPDATE,
            "patients.Patient",
            "1",
            detail={"name": "Zoë Ångström", "changed": ["phone", "email"], "n": {"a": 1}},
        )
    )
    assert verify().ok


def test_audit_verify_command_reports_an_intact_log(chain) -> None:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "intact" in out.getvalue()
    assert "5 entries verified" in out.getvalue()


def test_record_many_keeps_order_and_the_chain(chain) -> None:
    with acting(label="test:batch"):
        entries = record_many(_events(4))
    assert [e.seq for e in entries] == [6, 7, 8, 9]
    assert [e.object_id for e in entries] == ["1", "2", "3", "4"]
    assert entries[0].prev_hash == AuditEntry.objects.get(seq=5).hash
    stored = list(AuditEntry.objects.filter(seq__gte=6).order_by("seq"))
    assert [e.object_id for e in stored] == ["1", "2", "3", "4"]
    assert [e.hash for e in stored] == [e.hash for e in entries]
    # One batch, one moment and one request.
    assert len({e.at for e in stored}) == 1
    assert len({e.request_id for e in stored}) == 1
    assert verify().ok
    assert AuditHead.objects.get(pk=1).seq == 9


def test_record_many_of_nothing_writes_nothing(chain) -> None:
    assert record_many([]) == []
    assert AuditEntry.objects.count() == 5
    assert AuditHead.objects.get(pk=1).seq == 5


def test_rolled_back_records_leave_no_gap_in_the_chain(chain) -> None:
    class RolledBackError(Exception):
        pass

    def record_then_fail() -> None:
        with transaction.atomic():
            record(Event(AuditAction.READ, "patients.Patient", "99"))
            raise RolledBackError

    with pytest.raises(RolledBackError):
        record_then_fail()
    assert AuditEntry.objects.count() == 5
    assert AuditHead.objects.get(pk=1).seq == 5
    assert record(Event(AuditAction.READ, "patients.Patient", "100")).seq == 6
    assert verify().ok


# --- who is acting ---------------------------------------------------------------------------


def test_acting_fills_actor_roles_request_id_and_ip(clinic) -> None:
    user = UserFactory(clinic=clinic, prescriber=True, username="dr.who")
    patient = PatientFactory(clinic=clinic)
    with acting(user, request_id="req-123", ip_address="192.0.2.7"):
        entry = record(Event.about(AuditAction.READ, patient))
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.actor_id == user.pk
    assert stored.actor_label == "dr.who"
    assert stored.role == "clinician,prescriber"
    assert stored.request_id == "req-123"
    assert stored.ip_address == "192.0.2.7"
    assert stored.object_type == "patients.Patient"
    assert stored.object_id == str(patient.pk)
    assert stored.patient_id == patient.pk
    assert stored.clinic_id == clinic.pk


def test_event_without_clinic_takes_the_actors_clinic(clinic) -> None:
    user = UserFactory(clinic=clinic, clinician=True)
    with acting(user):
        entry = record(Event(AuditAction.LIST, "patients.Patient"))
    assert entry.clinic_id == clinic.pk


def test_acting_as_a_named_system_actor_gets_a_fresh_request_id() -> None:
    with acting(label="command:test") as ctx:
        entry = record(Event(AuditAction.EXPORT, "patients.Patient"))
    assert entry.actor_id is None
    assert entry.actor_label == "command:test"
    assert entry.role == ""
    assert HEX_ID.match(entry.request_id)
    assert entry.request_id == ctx.request_id


def test_acting_restores_the_outer_context() -> None:
    with acting(label="outer", request_id="outer-id"):
        with acting(label="inner", request_id="inner-id"):
            assert current().label == "inner"
        assert current().request_id == "outer-id"
    assert current().label == "system"
    entry = record(Event(AuditAction.READ))
    assert entry.actor_label == "system"
    assert entry.request_id == ""


# --- tampering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"actor_label": "mallory"},
        {"detail": {"n": 999}},
        {"patient_id": 42},
        {"action": AuditAction.DELETE},
    ],
    ids=["actor_label", "detail", "patient_id", "action"],
)
def test_an_edited_entry_is_named(chain, tamperable, change) -> None:
    assert AuditEntry.objects.filter(seq=3).update(**change) == 1
    result = verify()
    assert not result.ok
    assert result.broken_seq == 3
    assert result.checked == 2
    assert "#3" in result.reason
    assert "altered" in result.reason
    message = _verify_command_error()
    assert "#3" in message
    assert "altered" in message


@pytest.mark.parametrize("seq", [1, 3])
def test_a_deleted_entry_is_named(chain, tamperable, seq) -> None:
    assert AuditEntry.objects.filter(seq=seq).delete()[0] == 1
    result = verify()
    assert not result.ok
    assert result.broken_seq == seq
    assert f"#{seq} is missing" in result.reason
    assert "deleted" in result.reason
    assert f"#{seq}" in _verify_command_error()


def test_deleting_the_last_entry_is_detected_by_the_head(chain, tamperable) -> None:
    AuditEntry.objects.filter(seq=5).delete()
    result = verify()
    assert not result.ok
    assert result.checked == 4
    assert result.broken_seq == 5
    assert "ends at #4" in result.reason
    assert "recorded #5" in result.reason
    assert "#5" in _verify_command_error()


def test_deleting_every_entry_is_detected(chain, tamperable) -> None:
    AuditEntry.objects.all().delete()
    result = verify()
    assert not result.ok
    assert result.broken_seq == 1
    assert "#1" in _verify_command_error()


def test_verify_command_exits_non_zero_through_the_console_script(chain, tamperable, capsys):
    AuditEntry.objects.filter(seq=4).update(actor_label="mallory")
    with pytest.raises(SystemExit) as excinfo:
        cli_main(["audit", "verify"])
    assert excinfo.value.code == 1
    assert "BROKEN at entry #4" in capsys.readouterr().err


# --- the database guards (PostgreSQL and SQLite) ----------------------------------------


def test_the_database_rejects_an_update(chain) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=2).update(actor_label="mallory")
    assert AuditEntry.objects.get(seq=2).actor_label == "test:chain"
    assert verify().ok


def test_the_database_rejects_a_delete(chain) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=5).delete()
    assert AuditEntry.objects.count() == 5
    assert verify().ok


def test_the_database_rejects_a_raw_sql_update(chain) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET detail = '{}'")
    assert verify().ok


# --- over HTTP -------------------------------------------------------------------------------


def test_every_response_carries_a_fresh_request_id(client) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz")
    assert first.status_code == 200
    assert HEX_ID.match(first["X-Request-ID"])
    assert HEX_ID.match(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_valid_incoming_request_id_is_reused(client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-4f2a.7_x"})
    assert response["X-Request-ID"] == "lb-4f2a.7_x"


@pytest.mark.parametrize("bad", ["bad id!", "x" * 65, "a\u00e9b", "id;drop"])
def test_an_invalid_incoming_request_id_is_replaced(client, bad) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    assert response["X-Request-ID"] != bad
    assert HEX_ID.match(response["X-Request-ID"])


def test_signing_in_records_a_login_entry(client, clinician) -> None:
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302  # signed in and sent on
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert entry.actor_id == clinician.pk
    assert entry.actor_label == "alice"
    assert entry.role == "clinician"
    assert entry.object_type == "accounts.User"
    assert entry.object_id == str(clinician.pk)
    assert entry.clinic_id == clinician.clinic_id
    assert entry.ip_address == "127.0.0.1"
    assert entry.request_id == response["X-Request-ID"]
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).exists()
    assert verify().ok


def test_signing_out_records_a_logout_entry(client, clinician) -> None:
    client.force_login(clinician)
    response = client.post("/logout/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert entry.actor_id == clinician.pk
    assert entry.request_id == response["X-Request-ID"]


def test_a_failed_sign_in_records_the_username_and_never_the_password(client, clinician) -> None:
    wrong = "Tr0ub4dor&3-not-it"
    response = client.post("/login/", {"username": "alice", "password": wrong})
    assert response.status_code == 200  # the form again, with an error
    assert not AuditEntry.objects.filter(action=AuditAction.LOGIN).exists()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail == {"username": "alice"}
    assert entry.actor_id is None
    assert entry.actor_label == "anonymous"
    assert entry.request_id == response["X-Request-ID"]
    assert entry.ip_address == "127.0.0.1"
    stored = json.dumps(
        {name: str(getattr(entry, name)) for name in (*HASHED_FIELDS, "hash")}, default=str
    )
    assert wrong not in stored
    assert PASSWORD not in stored
    assert verify().ok


def test_a_failed_sign_in_for_an_unknown_user_is_recorded_too(client) -> None:
    client.post("/login/", {"username": "nobody-here", "password": "whatever-it-is"})
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail == {"username": "nobody-here"}
    assert "whatever-it-is" not in json.dumps(entry.detail)
