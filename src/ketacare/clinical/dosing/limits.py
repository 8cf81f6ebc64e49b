"""How far a plan's dose may go: a first session, and one plan revision.

CLINICAL.md G5 (clinic's choice): a ketamine-naive patient's first session at most a
share of the route's session cap, and one revision at most a share more than the
current dose, never above the cap. Each limit says why, in the prescriber's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ketacare.clinical.dosing.inputs import InvalidDosingInput, _exact, _require_amount, _text
from ketacare.clinical.dosing.rules import DEFAULT_RULES, DoseCaps, DosingRules

# CLINICAL.md G5: a ketamine-naive patient's first session at most half the route's
# session cap, and one plan revision at most +50% and never above the cap. No published
# number: the clinic's choice (DosingRules.first_session_share_of_cap and
# max_increase_per_revision).
_GRADUAL = "CLINICAL.md G5, clinic's choice"


class DoseAboveLimit(InvalidDosingInput):
    """A plan's dose above the first-session limit or the largest increase of one revision."""


@dataclass(frozen=True)
class DoseLimit:
    """The most a plan's dose may be at this step, why, and the prescriber's next step."""

    most_mg: float
    why: str  # e.g. "A first session is at most 150 mg (half the 300 mg session cap) ..."
    next_step: str  # e.g. "Start lower and titrate."
    source: str = _GRADUAL

    def __post_init__(self) -> None:
        _require_amount("most_mg", self.most_mg, "mg", zero_allowed=True)
        for name in ("why", "next_step", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise InvalidDosingInput(f"{name} must be text, not {getattr(self, name)!r}.")

    def refusal(self, dose: str) -> str:
        """The refusal of `dose` (as written, e.g. "200 mg"), in the prescriber's words."""
        return f"{self.why}; {dose} is more. {self.next_step}"


def _share_of(share: float) -> str:
    return "half" if share == 0.5 else f"{_text(_exact(share) * 100)}% of"  # noqa: PLR2004 - a half


def _session_cap_words(caps: DoseCaps, weight_kg: float, ceiling: Fraction) -> str:
    """The session cap in words: the 300 mg session cap (or: ..., 7 mg/kg at 40 kg)."""
    per_kg_cap = caps.max_mg_per_kg_per_session
    if per_kg_cap is not None and ceiling == _exact(per_kg_cap) * _exact(weight_kg):
        at = f", {_text(per_kg_cap)} mg/kg at {_text(weight_kg)} kg"
        return f"the {_text(ceiling)} mg session cap{at}"
    return f"the {_text(ceiling)} mg session cap"


def _require_caps(caps: object) -> None:
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")


def _require_rules(rules: object) -> None:
    if not isinstance(rules, DosingRules):
        raise InvalidDosingInput(f"rules must be a DosingRules, not {rules!r}.")


def first_session_limit(
    caps: DoseCaps, weight_kg: float, rules: DosingRules = DEFAULT_RULES
) -> DoseLimit | None:
    """The most a ketamine-naive patient's first session may be; None without a session cap.

    CLINICAL.md G5 (clinic's choice): `rules.first_session_share_of_cap` of the session
    ceiling (the lower of the mg and mg/kg caps at `weight_kg`).
    """
    _require_caps(caps)
    _require_rules(rules)
    ceiling = caps._session_ceiling(weight_kg)
    if ceiling is None:
        return None
    share = rules.first_session_share_of_cap
    most = _exact(share) * ceiling
    return DoseLimit(
        most_mg=float(most),
        why=(
            f"A first session is at most {_text(most)} mg ({_share_of(share)} "
            f"{_session_cap_words(caps, weight_kg, ceiling)}) for a patient who has not had "
            "ketamine here"
        ),
        next_step="Start lower and titrate.",
    )


def revision_limit(
    current_dose_mg: float, caps: DoseCaps, weight_kg: float, rules: DosingRules = DEFAULT_RULES
) -> DoseLimit:
    """The most one plan revision may raise the dose to, from `current_dose_mg`.

    CLINICAL.md G5 (clinic's choice): at most `rules.max_increase_per_revision` of the
    current dose more, and never above the session ceiling at `weight_kg`.
    """
    _require_amount("current_dose_mg", current_dose_mg, "mg")
    _require_caps(caps)
    _require_rules(rules)
    current = _exact(current_dose_mg)
    share = _exact(rules.max_increase_per_revision)
    raised = current * (1 + share)
    ceiling = caps._session_ceiling(weight_kg)
    percent = f"{_text(share * 100)}%"
    if ceiling is not None and ceiling < raised:
        why = (
            f"One revision raises the dose by at most {percent} and never above "
            f"{_session_cap_words(caps, weight_kg, ceiling)}: from {_text(current)} mg, at "
            f"most {_text(ceiling)} mg"
        )
        return DoseLimit(float(ceiling), why, "Keep the dose within the cap.")
    why = (
        f"One revision raises the dose by at most {percent}: from {_text(current)} mg, "
        f"at most {_text(raised)} mg"
    )
    return DoseLimit(float(raised), why, "Raise it in steps, one revision at a time.")


def _require_limits(limits: object) -> tuple[DoseLimit, ...]:
    if not isinstance(limits, list | tuple) or not all(isinstance(x, DoseLimit) for x in limits):
        raise InvalidDosingInput(f"limits must be a list of DoseLimit, not {limits!r}.")
    return tuple(limits)
