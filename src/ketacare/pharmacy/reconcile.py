"""Counting the shelf against the book, explaining what differs, and reporting a loss.

A count (`reconcile_stock`) never changes the book: each lot counted gets a StockCount
(what the book said, under the lot's lock, and what was on the shelf); each one that
differs is a StockDiscrepancy, a diversion finding at the clinic's level, and an alert
about the clinic until someone explains it (`explain_stock_discrepancy`). A real loss or
theft is recorded as one (`report_stock_lost`): it leaves the book and raises its alert,
which names the duty to tell the DEA.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from ketacare.alerts.models import AlertCause, AlertSeverity
from ketacare.alerts.services import raise_alert, resolve_alerts
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.pharmacy import stock
from ketacare.pharmacy.errors import DiscrepancyExplained
from ketacare.pharmacy.models import (
    Lot,
    MovementKind,
    Reconciliation,
    StockCount,
    StockDiscrepancy,
    StockMovement,
)
from ketacare.pharmacy.specs.reconcile import ExplanationSpec, LossSpec, ReconciliationSpec
from ketacare.pharmacy.stock import units

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User

# A count that differs from the book, and a loss, are graded as the diversion findings of
# a patient's ledger are (treatment.alerting.DIVERSION_SEVERITY: LEDGER_DISCREPANCY and
# LOST_OR_STOLEN are warnings): ketacare default, no source grades them. The same kind of
# fact about the clinic's stock is not made more or less pressing than about a patient's.
STOCK_ALERT_SEVERITY = AlertSeverity.WARNING
STOCK_ALERT_SOURCE = "ketacare default (the clinic's controlled-substance stock)"
# 21 CFR 1301.76(b): a registrant notifies the DEA Field Division in writing of a theft or
# significant loss of a controlled substance within one business day of its discovery,
# and files DEA Form 106.
DEA_LOSS_DUTY = (
    "A theft or significant loss of a controlled substance is reported in writing to the "
    "DEA Field Division within one business day of its discovery, and on DEA Form 106 "
    "(21 CFR 1301.76(b))."
)
LOSS_SOURCE = "21 CFR 1301.76(b)"


def _clinic_of(actor: User, clinic: Clinic) -> None:
    """NotFound unless `clinic` is the actor's (a count is of one's own shelf)."""
    if actor.clinic_id != clinic.pk:
        raise NotFound("No such clinic.")


def _in_steps(lot: Lot, quantity: Decimal, field: str) -> None:
    """Halves only for a scored tablet (pharmacy.models.product: ledger_step)."""
    if quantity % lot.ledger_step:
        raise ValidationError(
            {
                field: f"Lot {lot.lot_number} is counted in whole {lot.unit_word}: only scored "
                "tablets are counted in halves."
            }
        )


def _counted_lots(clinic: Clinic, spec: ReconciliationSpec) -> dict[int, Lot]:
    """The lots counted, locked in the order of their ids; unknown ids are a bad field."""
    ids = set(spec.counts)
    known = set(Lot.objects.filter(clinic=clinic, pk__in=ids).values_list("pk", flat=True))
    unknown = sorted(ids - known)
    if unknown:
        raise ValidationError(
            {f"counts.{i}": "No such lot in the clinic's stock: count its lots." for i in unknown}
        )
    lots = stock.locked_lots(ids)
    for lot_id, lot in lots.items():
        _in_steps(lot, spec.counts[lot_id], f"counts.{lot_id}")
    return lots


def _discrepancy(actor: User, count: StockCount, lot: Lot) -> StockDiscrepancy:
    """A count that differs from the book: the finding, and its alert about the clinic."""
    found = StockDiscrepancy.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        count=count,
        expected=count.expected,
        counted=count.counted,
        found_by=actor,
        found_at=clock.now(),
    )
    difference = found.difference
    raise_alert(
        clinic=lot.clinic,
        cause=AlertCause.STOCK_DISCREPANCY,
        severity=STOCK_ALERT_SEVERITY,
        subject=f"discrepancy:{found.pk}",
        title=f"Stock count differs from the book: lot {lot.lot_number}",
        message=(
            f"Lot {lot.lot_number} ({lot.product}): {units(lot, count.counted)} on the shelf, "
            f"the book says {units(lot, count.expected)} "
            f"({'more' if difference > 0 else 'fewer'} by {units(lot, abs(difference))}). "
            "Find out why and explain it on the stock discrepancies page; a real loss is "
            "recorded as a loss. " + DEA_LOSS_DUTY
        ),
        source=STOCK_ALERT_SOURCE,
        detail={"discrepancy_id": found.pk, "lot_id": lot.pk, "lot_number": lot.lot_number},
    )
    return found


@use_case("reconcile_stock")
def reconcile_stock(actor: User, clinic: Clinic, spec: ReconciliationSpec) -> Reconciliation:
    """Count some or all of the clinic's lots against the book; the book is not changed.

    Each lot counted is locked (so the book it is held against is the book of that
    moment) and gets a StockCount; each that differs a StockDiscrepancy and an alert
    about the clinic (one per lot). Refused (a bad `counts.<lot id>`) for a lot not in
    the clinic's stock, or a half unit of a lot that is not scored tablets.
    """
    _clinic_of(actor, clinic)
    lots = _counted_lots(clinic, spec)
    done = Reconciliation.objects.create(
        clinic=clinic, counted_by=actor, counted_at=clock.now(), note=spec.note
    )
    counts: dict[str, dict[str, str]] = {}
    found: list[int] = []
    for lot_id, lot in lots.items():
        count = StockCount.objects.create(
            reconciliation=done, lot=lot, expected=lot.on_hand, counted=spec.counts[lot_id]
        )
        counts[str(lot_id)] = {"expected": str(count.expected), "counted": str(count.counted)}
        if count.differs:
            found.append(_discrepancy(actor, count, lot).pk)
    detail = {"counts": counts, "discrepancies": found}
    usecase.note(Event.about(AuditAction.CREATE, done, detail=detail))
    return done


@use_case("explain_stock_discrepancy")
def explain_stock_discrepancy(
    actor: User, discrepancy: StockDiscrepancy, spec: ExplanationSpec
) -> StockDiscrepancy:
    """Say what explains a count that differs from the book: it is closed, its alert resolved.

    Anyone the policy row allows (a pharmacist, a prescriber, an administrator of the
    clinic) may explain it, the person who counted too: the explanation and who gave it
    are kept, and an administrator reads them on the discrepancies page. A real loss is
    recorded as a loss besides (`report_stock_lost`). Refused once explained already.
    """
    locked = (
        StockDiscrepancy.objects.visible_to(actor)
        .select_for_update(no_key=True)
        .filter(pk=discrepancy.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such stock discrepancy.")
    if locked.explained_at is not None:
        who = locked.explained_by.display_name if locked.explained_by else "someone"
        raise DiscrepancyExplained(
            f"This discrepancy was explained already by {who} ({locked.explanation}). "
            "Count the lot again if something else is wrong."
        )
    locked.explained_by, locked.explained_at = actor, clock.now()
    locked.explanation = spec.explanation
    locked.save(update_fields=["explained_by", "explained_at", "explanation"])
    resolve_alerts(
        cause=AlertCause.STOCK_DISCREPANCY,
        subject=f"discrepancy:{locked.pk}",
        note=f"Explained: {spec.explanation}",
        actor=actor,
    )
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"explained": True}))
    return locked


def _discovered(lot: Lot, spec: LossSpec) -> datetime:
    """When the loss was discovered: now, or earlier (never later than now)."""
    now = clock.now()
    if spec.discovered_at is None:
        return now
    if spec.discovered_at > now:
        raise ValidationError({"discovered_at": "A loss is discovered now or earlier."})
    return spec.discovered_at


def _loss_note(lot: Lot, spec: LossSpec, discovered: datetime) -> str:
    local = discovered.astimezone(ZoneInfo(str(lot.clinic.timezone)))
    police = (
        "Police told" + (f" (reference {spec.police_reference})" if spec.police_reference else "")
        if spec.police_notified
        else "Police not told"
    )
    return f"{spec.what_happened} Discovered {local:%d %B %Y %H:%M %Z}. {police}."


@use_case("report_stock_lost")
def report_stock_lost(actor: User, lot: Lot, spec: LossSpec) -> StockMovement:
    """Units of the clinic's lot lost or stolen: a `lost_or_stolen` movement and an alert.

    The alert says what 21 CFR 1301.76(b) asks (the DEA within one business day of
    discovery, DEA Form 106). Refused (LotShort) beyond what the lot holds; a half unit
    of a lot that is not scored tablets, or a discovery in the future, is a bad field.
    """
    if actor.clinic_id != lot.clinic_id:
        raise NotFound("No such lot.")
    locked = stock.locked_lot(lot.pk)
    _in_steps(locked, spec.quantity, "quantity")
    discovered = _discovered(locked, spec)
    note = _loss_note(locked, spec, discovered)
    movement = stock.post(
        locked,
        kind=MovementKind.LOST_OR_STOLEN,
        change=-spec.quantity,
        actor=actor,
        reference=spec.police_reference,
        note=note,
    )
    raise_alert(
        clinic=locked.clinic,
        cause=AlertCause.STOCK_LOST,
        severity=STOCK_ALERT_SEVERITY,
        subject=f"movement:{movement.pk}",
        title=f"Clinic stock lost or stolen: lot {locked.lot_number}",
        message=f"{units(locked, spec.quantity)} of lot {locked.lot_number} ({locked.product}) "
        f"lost or stolen. {note} {DEA_LOSS_DUTY}",
        source=LOSS_SOURCE,
        detail={"movement_id": movement.pk, "lot_id": locked.pk, "lot_number": locked.lot_number},
    )
    detail = {"quantity": str(spec.quantity), "police_notified": spec.police_notified}
    usecase.note(Event.about(AuditAction.CREATE, movement, detail=detail))
    return movement
