"""One comparison: a current score against the baseline on one instrument (A11).

The change, its percentage, and whether it is a response, a remission, a clinically
meaningful improvement or a worsening, each as CLINICAL.md A11 defines it (None where
the instrument has no such definition).
"""

from __future__ import annotations

from dataclasses import dataclass

from ketacare.clinical import instruments
from ketacare.clinical.outcomes.rules import DEFAULT_RULES, OutcomeRules


@dataclass(frozen=True)
class Change:
    """A current score compared with the baseline on one instrument (CLINICAL.md A11)."""

    instrument: str
    baseline: int
    current: int
    delta: int  # current - baseline: negative is improvement on every instrument here
    # delta as a percentage of baseline, rounded to 0.1 for reports (decisions use the
    # exact integers); None when baseline is 0
    percent: float | None
    # None where no response definition applies, or the baseline is not clinically
    # significant (CLINICAL.md G9: "not applicable", see `baseline_significant`)
    response: bool | None
    remission: bool | None  # None where no definition exists or the baseline is not significant
    clinically_meaningful: bool | None  # improvement >= MCID; None where no MCID is defined
    worsening: bool | None  # increase >= MCID from baseline; None (unknown) where no MCID (G9)
    baseline_significant: bool = True  # False: response and remission do not apply (G9)


def _max_total(code: str) -> int:
    try:
        return instruments.get(code).max_total
    except KeyError:
        raise ValueError(
            f"instrument must be one of {', '.join(instruments.CODES)}, not {code!r}."
        ) from None


def _check_total(code: str, name: str, value: int) -> None:
    maximum = _max_total(code)
    if type(value) is not int or not 0 <= value <= maximum:
        raise ValueError(f"{code}: {name} must be a whole number 0-{maximum}, not {value!r}.")


def remitted(code: str, total: int, rules: OutcomeRules = DEFAULT_RULES) -> bool | None:
    """Whether `total` is in remission on `code`; None where no definition exists."""
    _check_total(code, "total", total)
    definition = rules.remission.get(code)
    if definition is None:
        return None
    comparison, threshold = definition
    return total < threshold if comparison == "below" else total <= threshold


def _responded(baseline: int, current: int, rules: OutcomeRules) -> bool:
    # Exact integer arithmetic, not the rounded percent: 49.96% must not round up to a
    # response. A baseline of 0 cannot fall by any percentage, so it never responds.
    reduction = baseline - current
    return baseline > 0 and reduction * 100 >= rules.response_reduction_percent * baseline


def change(
    code: str, *, baseline: int, current: int, rules: OutcomeRules = DEFAULT_RULES
) -> Change:
    """Compare a current score with the baseline on instrument `code`."""
    _check_total(code, "baseline", baseline)
    _check_total(code, "current", current)
    delta = current - baseline
    percent = round(100.0 * delta / baseline, 1) if baseline else None
    significant = rules.significant(code, baseline)
    response = (
        _responded(baseline, current, rules)
        if code in rules.response_instruments and significant
        else None
    )
    mcid = rules.mcid.get(code)
    return Change(
        instrument=code,
        baseline=baseline,
        current=current,
        delta=delta,
        percent=percent,
        response=response,
        remission=remitted(code, current, rules) if significant else None,
        clinically_meaningful=None if mcid is None else -delta >= mcid,
        worsening=None if mcid is None else delta >= mcid,
        baseline_significant=significant,
    )
