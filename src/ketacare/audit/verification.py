"""Verifying the audit chain: every entry, the head, and the signed checkpoints.

`verify` walks the log from entry #1 and names the first entry that does not fit:
- a missing seq (deleted), a previous-hash that does not match (an entry was replaced);
- a hash that does not match its content: plain SHA-256 for version 1 entries (written
  before the audit key), the HMAC under the key named by the entry for version 2;
- a plain entry after the first keyed one (a forgery by someone without the key), an
  entry signed with a key this server does not hold, an unknown version;
- an entry that differs from what a signed checkpoint recorded for its seq;
then that the head (`AuditHead`) is where the chain ends, and that the chain reaches
every checkpoint: a log that ends before a checkpoint's seq was cut or wiped, even
when the head was moved back with it. A checkpoint line with a wrong signature is
itself a break (the checkpoint file was edited).

`write_checkpoint` is the worker's step: it checks the entries written since the last
checkpoint (so it never signs a broken chain) and appends a new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ketacare.audit import checkpoints
from ketacare.audit.chain import (
    GENESIS_HASH,
    KEYED,
    KEYED_FIELDS,
    PLAIN,
    entry_hash,
    keyed_hash,
    same,
)
from ketacare.audit.checkpoints import Checkpoint, CheckpointError
from ketacare.audit.keys import Keyring, keyring
from ketacare.audit.models import AuditEntry, AuditHead


class Tampered(Exception):
    """The log (or its checkpoint file) is not what ketacare wrote."""

    def __init__(self, seq: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    plain: int = 0  # entries from before the audit key (version 1)
    checkpoint: Checkpoint | None = None  # the latest checkpoint the log was held against
    checkpoints_on: bool = False


@dataclass
class _Walk:
    keys: Keyring
    anchors: dict[int, Checkpoint] = field(default_factory=dict)
    expected_seq: int = 1
    prev: str | None = GENESIS_HASH  # None: take the first entry's word for it
    checked: int = 0
    plain: int = 0
    keyed_from: int | None = None
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


def _check_hash(entry: AuditEntry, walk: _Walk) -> None:
    fields = {name: getattr(entry, name) for name in KEYED_FIELDS}
    altered = f"entry #{entry.seq} was altered: its content no longer matches its hash"
    if entry.version == PLAIN:
        if walk.keyed_from is not None:
            raise Tampered(
                entry.seq,
                f"entry #{entry.seq} carries no key, but entries are keyed from "
                f"#{walk.keyed_from}: "
                "it was forged by someone without the audit key",
            )
        if not same(entry_hash(fields), entry.hash):
            raise Tampered(entry.seq, altered)
        walk.plain += 1
        return
    if entry.version != KEYED:
        raise Tampered(
            entry.seq, f"entry #{entry.seq} has an unknown chain version ({entry.version})"
        )
    key = walk.keys.get(entry.key_id)
    if key is None:
        raise Tampered(
            entry.seq,
            f"entry #{entry.seq} was signed with a key this server does not hold "
            f"(key id {entry.key_id or '-'}): it was forged, or the audit key was changed "
            "without keeping the old one",
        )
    if not same(keyed_hash(fields, key), entry.hash):
        raise Tampered(entry.seq, altered)
    if walk.keyed_from is None:
        walk.keyed_from = entry.seq


def _check(entry: AuditEntry, walk: _Walk) -> None:
    if entry.seq != walk.expected_seq:
        raise Tampered(
            walk.expected_seq,
            f"entry #{walk.expected_seq} is missing (the next entry is #{entry.seq}): "
            "it was deleted",
        )
    if walk.prev is not None and entry.prev_hash != walk.prev:
        raise Tampered(
            entry.seq,
            f"entry #{entry.seq} does not follow entry #{entry.seq - 1}: "
            "its previous-hash does not match",
        )
    _check_hash(entry, walk)
    anchor = walk.anchors.get(entry.seq)
    if anchor is not None and not same(anchor.hash, entry.hash):
        raise Tampered(
            entry.seq,
            f"entry #{entry.seq} is not the entry the signed checkpoint of {anchor.when()} "
            "recorded: "
            f"the log was rewritten at or before #{entry.seq}",
        )


def _walk(entries: Iterable[AuditEntry], walk: _Walk) -> None:
    for entry in entries:
        _check(entry, walk)
        walk.prev = walk.last_hash = entry.hash
        walk.last_seq = entry.seq
        walk.expected_seq += 1
        walk.checked += 1


def _read_head() -> tuple[int, str]:
    head = AuditHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


def _walk_to_head(walk: _Walk, entries: Iterable[AuditEntry] | None = None) -> tuple[int, str]:
    """Walk to the head read first, then past it; return the head the walk reached.

    Reading the head first keeps a live log honest: entries appended while we walk are
    past that head and checked only as far as they go. Entries past the head as it
    stands once we are done were added behind the log's back.
    """
    head_seq, head_hash = _read_head()
    query = AuditEntry.objects.filter(seq__gte=walk.expected_seq).order_by("seq")
    bounded = query.filter(seq__lte=head_seq).iterator(chunk_size=2000)
    _walk(bounded if entries is None else entries, walk)
    if (walk.last_seq, walk.last_hash) != (head_seq, head_hash):
        raise Tampered(
            walk.last_seq + 1,
            f"the chain ends at #{walk.last_seq} but the log recorded #{head_seq}: "
            f"entries from #{walk.last_seq + 1} were deleted or replaced",
        )
    if entries is None:
        _walk(query.filter(seq__gt=head_seq).iterator(chunk_size=2000), walk)
        now_seq, _ = _read_head()
        if walk.last_seq > now_seq:
            raise Tampered(
                now_seq + 1,
                f"entry #{now_seq + 1} stands after the end the log recorded (#{now_seq}): "
                "entries were added behind the log's back",
            )
    return head_seq, head_hash


def _check_reaches(walk: _Walk) -> None:
    if not walk.anchors:
        return
    furthest = walk.anchors[max(walk.anchors)]
    if furthest.seq > walk.last_seq:
        ends = f"ends at #{walk.last_seq}" if walk.last_seq else "is empty"
        raise Tampered(
            walk.last_seq + 1,
            f"the log {ends} but the signed checkpoint of {furthest.when()} recorded "
            f"#{furthest.seq}: entries from #{walk.last_seq + 1} were deleted "
            "(and the head moved back)",
        )


def _anchors(keys: Keyring) -> tuple[dict[int, Checkpoint], Checkpoint | None]:
    file = checkpoints.path()
    anchors: dict[int, Checkpoint] = {}
    latest = None
    if file is None:
        return anchors, None
    for latest in checkpoints.read_all(file, keys):
        known = anchors.setdefault(latest.seq, latest)
        if not same(known.hash, latest.hash):
            raise CheckpointError(
                f"checkpoint lines {known.line} and {latest.line} of {file} disagree about "
                f"entry #{latest.seq}: the file was edited"
            )
    return anchors, latest


def verify(entries: Iterable[AuditEntry] | None = None) -> Verification:
    """Walk the chain from the start; name the first entry that does not fit."""
    walk = _Walk(keys=keyring())
    on = checkpoints.path() is not None
    try:
        walk.anchors, latest = _anchors(walk.keys)
    except CheckpointError as exc:
        return Verification(ok=False, checked=0, reason=str(exc), checkpoints_on=on)
    try:
        _walk_to_head(walk, entries)
        _check_reaches(walk)
    except Tampered as exc:
        return Verification(
            ok=False,
            checked=walk.checked,
            broken_seq=exc.seq,
            reason=str(exc),
            plain=walk.plain,
            checkpoint=latest,
            checkpoints_on=on,
        )
    return Verification(
        ok=True, checked=walk.checked, plain=walk.plain, checkpoint=latest, checkpoints_on=on
    )


def write_checkpoint(now: datetime) -> Checkpoint | None:
    """The worker's step: sign the chain's end if it moved; Tampered if it does not verify.

    Only the entries since the last checkpoint are checked (the last one vouches for
    what came before it), so a tick costs what was written since the previous tick.
    CheckpointError when the file's last line is not a valid checkpoint.
    """
    file = checkpoints.path()
    if file is None:
        return None
    keys = keyring()
    last = checkpoints.latest(file, keys)
    head_seq, head_hash = _read_head()
    if last is None and head_seq == 0:
        return None
    if last is not None and (last.seq, last.hash) == (head_seq, head_hash):
        return None
    walk = _Walk(keys=keys)
    if last is not None:
        walk.anchors = {last.seq: last}
        walk.expected_seq, walk.prev = last.seq, None
        walk.last_seq, walk.last_hash = last.seq - 1, ""
        if head_seq < last.seq:
            walk.last_seq = head_seq
            _check_reaches(walk)
    head_seq, head_hash = _walk_to_head(walk)
    return checkpoints.append(file, keys, head_seq, head_hash, now)
