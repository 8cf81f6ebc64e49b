"""At-home rules of the core: no esketamine at home, a dose against the gate, the screen."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.clinical import dosing, instruments
from ketacare.clinical.predose import (
    GateResult,
    checklist_cssrs,
    dose_against_gate,
)
from ketacare.clinical.safety import Cause, Finding, InvalidSafetyInput, Severity


def test_esketamine_is_never_for_home_use() -> None:
    # CLINICAL.md G4: Spravato REMS, "never dispensed directly to a patient for home use".
    with pytest.raises(dosing.NotForHomeUse, match="REMS-certified"):
        dosing.check_at_home(dosing.EsketamineDevice())
    troches = dosing.Tablet(dosing.TabletKind.TROCHE, strength_mg=50, scored=True)
    dosing.check_at_home(troches)
    dosing.check_at_home(dosing.NasalSpray(concentration_mg_per_ml=100, spray_volume_ml=0.1))
    with pytest.raises(dosing.InvalidDosingInput, match="Formulation"):
        dosing.check_at_home("troche")  # type: ignore[arg-type]
    assert issubclass(dosing.NotForHomeUse, dosing.InvalidDosingInput)


def _held(*findings: tuple[Cause, Severity]) -> GateResult:
    return GateResult(
        allowed=False,
        findings=tuple(
            Finding(severity=s, cause=c, message=f"{c} held it.", source="test")
            for c, s in findings
        ),
    )


@pytest.mark.parametrize(
    ("held", "severity"),
    [
        (_held((Cause.CHECKLIST_EXPIRED, Severity.WARNING)), Severity.URGENT),
        (_held((Cause.BP_GATE_FAILED, Severity.WARNING)), Severity.URGENT),
        (_held((Cause.BP_GATE_FAILED, Severity.URGENT)), Severity.EMERGENCY),  # a hard stop
        (_held((Cause.BP_HARD_STOP_TODAY, Severity.WARNING)), Severity.EMERGENCY),
        (_held((Cause.SUICIDALITY_HOLD, Severity.WARNING)), Severity.EMERGENCY),
    ],
)
def test_a_dose_taken_against_the_gate_is_urgent_or_an_emergency(
    held: GateResult, severity: Severity
) -> None:
    finding = dose_against_gate(held)
    assert (finding.cause, finding.severity) == (Cause.DOSE_AGAINST_GATE, severity)
    assert finding.message.startswith("A dose was taken although the checklist")
    assert held.findings[0].message in finding.message
    assert "Your care team has been told" in finding.next_step


def test_a_dose_against_an_open_gate_is_a_mistake() -> None:
    with pytest.raises(InvalidSafetyInput, match="held the dose"):
        dose_against_gate(GateResult(allowed=True, findings=()))


@pytest.mark.parametrize(
    ("answers", "band"),
    [
        ({"wish_to_be_dead": False, "suicidal_thoughts": False, "behaviour": False}, "none"),
        ({"wish_to_be_dead": True, "suicidal_thoughts": False, "behaviour": False}, "low"),
        (
            {
                "wish_to_be_dead": True,
                "suicidal_thoughts": True,
                "thoughts_with_method": True,
                "behaviour": False,
            },
            "moderate",
        ),
        ({"wish_to_be_dead": False, "suicidal_thoughts": False, "behaviour": True}, "high"),
    ],
)
def test_the_checklists_screen_asks_since_the_last_contact(
    answers: dict[str, Any], band: str
) -> None:
    screen = checklist_cssrs(**answers)
    assert (screen.instrument, screen.band) == ("cssrs_screen", band)
    # Behaviour since the last contact is recent: both of question 6's parts (CLINICAL.md A8).
    assert screen.answers[6] == screen.answers[7] == int(answers["behaviour"])


def test_the_checklists_screen_refuses_what_the_screen_does() -> None:
    with pytest.raises(instruments.InvalidAnswers):
        checklist_cssrs(
            wish_to_be_dead=False, suicidal_thoughts=False, behaviour=False, intent=True
        )
    with pytest.raises(InvalidSafetyInput, match="yes or a no"):
        checklist_cssrs(wish_to_be_dead=1, suicidal_thoughts=False, behaviour=False)  # type: ignore[arg-type]
