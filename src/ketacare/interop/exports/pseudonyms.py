"""Research pseudonyms: keyed hashes for ids, a per-patient shift for every date.

The key is `KETACARE_RESEARCH_KEY`; unset, it is derived from SECRET_KEY (salted_hmac
with a fixed salt), so pseudonyms and shifts then change when SECRET_KEY is rotated.
Ids become HMAC-SHA256 of "<kind>:<id>" (a patient, a user, a session...): the same
record has the same pseudonym in every file of every export made with one key, so the
files join, and without the key no id can be recovered or guessed by hashing ids.
Every date and time of one patient moves by the same number of days (their shift, in
-180..+180, drawn from the key), so intervals within a patient are kept exactly.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils.crypto import salted_hmac

# Fixed: changing it changes every pseudonym derived from SECRET_KEY.
DERIVED_KEY_SALT = "ketacare.interop.exports.research-key"
MAX_SHIFT_DAYS = 180


def research_key() -> bytes:
    """The research key: the setting's, else one derived from SECRET_KEY."""
    configured = settings.KETACARE_RESEARCH_KEY
    if configured:
        return str(configured).encode()
    return salted_hmac(DERIVED_KEY_SALT, "research pseudonyms").digest()


@dataclass
class Pseudonymiser:
    key: bytes
    _shifts: dict[int, timedelta] = field(default_factory=dict, repr=False)

    def _digest(self, message: str) -> bytes:
        return hmac.new(self.key, message.encode(), hashlib.sha256).digest()

    def token(self, kind: str, pk: object) -> str:
        """The keyed hash of the record `pk` of `kind` ("" for no record)."""
        if pk is None or pk == "":
            return ""
        return self._digest(f"{kind}:{pk}").hex()

    def shift(self, patient_id: int) -> timedelta:
        """The patient's date shift: whole days in -MAX_SHIFT_DAYS..+MAX_SHIFT_DAYS."""
        if patient_id not in self._shifts:
            raw = int.from_bytes(self._digest(f"shift:{patient_id}")[:8], "big")
            days = raw % (2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS
            self._shifts[patient_id] = timedelta(days=days)
        return self._shifts[patient_id]

    def moved(self, value: date | datetime, patient_id: int) -> date | datetime:
        return value + self.shift(patient_id)
