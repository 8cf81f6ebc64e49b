"""Every record type an export can hold, in the order of the patient's journey."""

from __future__ import annotations

from ketacare.interop.exports.events import ADVERSE_EVENTS, ALERTS, LEDGER_EVENTS
from ketacare.interop.exports.kinds import RecordType
from ketacare.interop.exports.people import PATIENTS, QUESTIONNAIRES
from ketacare.interop.exports.sessions import CHECK_INS, DOSES, SESSIONS

RECORD_TYPES: dict[str, RecordType] = {
    t.key: t
    for t in (
        PATIENTS,
        QUESTIONNAIRES,
        SESSIONS,
        DOSES,
        CHECK_INS,
        ADVERSE_EVENTS,
        LEDGER_EVENTS,
        ALERTS,
    )
}
TYPE_KEYS = tuple(RECORD_TYPES)
