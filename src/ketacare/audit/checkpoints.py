"""Signed checkpoints: the audit log's anchor outside the database.

Whoever can write the database can drop its triggers, cut the log and move the head
back, or wipe it all. What they cannot do is reach a file on another disk, or sign with
a key the database does not hold. So the worker, each tick, appends a checkpoint of the
chain's end to `KETACARE_AUDIT_CHECKPOINT_FILE` (default: audit-checkpoints.jsonl in
the data directory), one JSON line each:

    {"seq": 120, "hash": "<entry #120's hash>", "at": "<when, UTC>",
     "key_id": "<audit key id>", "mac": "<HMAC-SHA256 of the rest under the audit key>"}

The file is opened in append mode and written in one `write` per line (O_APPEND: two
workers on one file do not interleave). Keep it where the database's users cannot
write, ideally on another machine or an append-only mount (`chattr +a`); copy it with
the backups. `ketacare audit verify` checks every line's signature and that the log
still holds every checkpointed entry, with the same hash: a log that ends before the
latest checkpoint's seq (cut tail, wipe) or differs at a checkpointed entry is broken.

Setting the file to an empty value turns checkpoints off (the test settings do, so
each test's rolled-back database does not meet another test's checkpoints).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from ketacare.audit.chain import same
from ketacare.audit.keys import Keyring

_LABEL = "ketacare-audit-checkpoint-v1"
_TAIL_BYTES = 4096  # a checkpoint line is about 250 bytes


class CheckpointError(Exception):
    """A checkpoint line that is not what the worker wrote: the file was edited."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    key_id: str
    line: int = 0  # where it stands in the file (1-based), for messages

    def when(self) -> str:
        return datetime.fromisoformat(self.at).strftime("%Y-%m-%d %H:%M:%S UTC")


def path() -> Path | None:
    """The checkpoint file of the running settings, or None when checkpoints are off."""
    value = str(settings.KETACARE_AUDIT_CHECKPOINT_FILE or "")
    return Path(value) if value else None


def _mac(key: bytes, seq: int, head_hash: str, at: str, key_id: str) -> str:
    payload = {"kind": _LABEL, "seq": seq, "hash": head_hash, "at": at, "key_id": key_id}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def append(file: Path, keys: Keyring, seq: int, head_hash: str, at: datetime) -> Checkpoint:
    """Sign (seq, hash, time) with the signing key and append it as one line."""
    when = at.astimezone(UTC).isoformat(timespec="seconds")
    mac = _mac(keys.signing, seq, head_hash, when, keys.signing_id)
    record = {"seq": seq, "hash": head_hash, "at": when, "key_id": keys.signing_id, "mac": mac}
    line = (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8")
    fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(seq=seq, hash=head_hash, at=when, key_id=keys.signing_id)


def parse(text: str, keys: Keyring, *, line: int, file: Path) -> Checkpoint:
    """One line of the file, its signature checked; CheckpointError names what is wrong."""
    where = f"checkpoint line {line} of {file}" if line else f"the last checkpoint of {file}"
    try:
        raw = json.loads(text)
        seq, head_hash, at = int(raw["seq"]), str(raw["hash"]), str(raw["at"])
        kid, mac = str(raw["key_id"]), str(raw["mac"])
        datetime.fromisoformat(at)
    except (ValueError, KeyError, TypeError):
        raise CheckpointError(f"{where} is not a checkpoint: the file was edited") from None
    key = keys.get(kid)
    if key is None:
        raise CheckpointError(
            f"{where} was signed with a key this server does not hold (key id {kid}): "
            "it was forged, or the audit key was changed without keeping the old one"
        )
    if not same(_mac(key, seq, head_hash, at, kid), mac):
        raise CheckpointError(f"{where} has a wrong signature: the checkpoint file was edited")
    return Checkpoint(seq=seq, hash=head_hash, at=at, key_id=kid, line=line)


def read_all(file: Path, keys: Keyring) -> Iterator[Checkpoint]:
    """Every checkpoint of the file, in order; nothing when there is no file yet."""
    if not file.exists():
        return
    with file.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if text.strip():
                yield parse(text, keys, line=number, file=file)


def latest(file: Path, keys: Keyring) -> Checkpoint | None:
    """The last checkpoint of the file (read from its end), or None when there is none."""
    if not file.exists():
        return None
    with file.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [text for text in tail.splitlines() if text.strip()]
    if not lines:
        return None
    return parse(lines[-1], keys, line=0, file=file)
