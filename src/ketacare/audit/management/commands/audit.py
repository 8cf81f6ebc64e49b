"""`ketacare audit verify`: walk the keyed audit chain and hold it against its checkpoints.

Exit 0 when every entry verifies, the head is where the chain ends, and the chain
reaches every signed checkpoint (audit.verification); exit 1 naming the first broken
entry otherwise. `audit checkpoint` writes a signed checkpoint now (the worker does it
each tick).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketacare.audit import checkpoints
from ketacare.audit.checkpoints import CheckpointError
from ketacare.audit.log import Verification, verify
from ketacare.audit.verification import Tampered, write_checkpoint
from ketacare.kernel import clock


def _anchor_words(result: Verification) -> str:
    if not result.checkpoints_on:
        return "Checkpoints are off (KETACARE_AUDIT_CHECKPOINT_FILE is empty)."
    if result.checkpoint is None:
        return (
            f"No checkpoint yet in {checkpoints.path()}: the log was checked against itself "
            "only (the worker writes one each tick)."
        )
    return (
        f"It reaches the latest signed checkpoint, #{result.checkpoint.seq} of "
        f"{result.checkpoint.when()}."
    )


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the keyed hash chain from the first entry "
        "and against the signed checkpoints; `audit checkpoint` writes a checkpoint now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="verify|checkpoint")
        sub.add_parser("verify", help="Walk the chain; exit 1 naming the first broken entry.")
        sub.add_parser("checkpoint", help="Sign the chain's end into the checkpoint file.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint()
            return
        result = verify()
        if not result.ok:
            where = f"at entry #{result.broken_seq}" if result.broken_seq else "(checkpoints)"
            raise CommandError(
                f"Audit log BROKEN {where}: {result.reason}. "
                f"{result.checked} entries before it are intact."
            )
        unkeyed = (
            f" ({result.plain} of them from before the audit key, checked by plain hash)"
            if result.plain
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {result.checked} entries verified{unkeyed}. "
                f"{_anchor_words(result)}"
            )
        )

    def _checkpoint(self) -> None:
        try:
            written = write_checkpoint(clock.now())
        except (Tampered, CheckpointError) as exc:
            raise CommandError(f"No checkpoint written: {exc}") from None
        if written is None:
            self.stdout.write(
                "Nothing to checkpoint: the log has not moved (or checkpoints are off)."
            )
            return
        self.stdout.write(f"Checkpoint written: #{written.seq} to {checkpoints.path()}.")
