"""How each number of the cohort report is defined, in words, from the rules in force.

The numbers come from the rules the report was computed with (clinical.outcomes'
OutcomeRules and ReportRules), so a clinic's changed window or threshold is what the
page says.
"""

from __future__ import annotations

from ketacare.clinical.outcomes import DEFAULT_RULES, OutcomeRules
from ketacare.clinical.outcomes.report import DEFAULT_REPORT_RULES, ReportRules
from ketacare.reports.cohort.rows import INSTRUMENT_WORDS


def _named(values: dict[str, int], unit: str = "") -> str:
    return ", ".join(f"{INSTRUMENT_WORDS.get(k, k)} {v}{unit}" for k, v in values.items())


def definitions(
    rules: OutcomeRules = DEFAULT_RULES, report: ReportRules = DEFAULT_REPORT_RULES
) -> tuple[str, ...]:
    """One sentence or two a number, each naming its CLINICAL.md source."""
    return (*_outcome_words(rules, report), *_analysis_words(report))


def _outcome_words(rules: OutcomeRules, report: ReportRules) -> tuple[str, ...]:
    """The baseline, response, remission, worsening and the endpoints."""
    significant = _named(dict(rules.significant_baseline), " or more")
    sessions = " and ".join(str(n) for n in report.endpoint_sessions)
    return (
        (
            f"Baseline: the last score before the first dose (CLINICAL.md A11). A baseline "
            f"more than {rules.stale_baseline_days} days before the first dose is stale "
            "(CLINICAL.md G9, clinic's choice): still the baseline, counted as stale."
        ),
        (
            f"Significant baseline: {significant} (CLINICAL.md G9, as Hull 2022). Response "
            f"(a fall of at least {rules.response_reduction_percent:g}% from baseline) and "
            "remission (PHQ-9 and GAD-7 below 5) are counted among significant baselines "
            "only (CLINICAL.md A11, G9). PCL-5 has neither."
        ),
        (
            f"Worsening: a rise from baseline of at least the minimal clinically important "
            f"difference ({_named(dict(rules.mcid), ' points')}; CLINICAL.md A11, G9); none is "
            "shown for an instrument without one (unknown, not no)."
        ),
        (
            f"After session n (sessions {sessions}, Hull 2022's weeks 2 and 4, CLINICAL.md "
            f"G9): the latest score after the n-th dose, before the next dose and at most "
            f"{report.window_days} days after it (window: clinic's choice). End of induction: "
            "the same after the last session of the patient's plan's induction."
        ),
    )


def _analysis_words(report: ReportRules) -> tuple[str, ...]:
    """The analyses, the statistics, the classes and the published cohort."""
    classed = INSTRUMENT_WORDS.get(report.class_instrument, report.class_instrument)
    return (
        (
            "All treated (ITT): every treated patient with a baseline; one with no score at "
            "the endpoint counts as not responding, not remitting and not worsened (so ITT "
            "worsening is a lower bound). Completers (in the rates): the patients with a "
            "score at the endpoint. In the counts, completers took every induction session "
            "of their plan; dropouts did not (some may still be in induction), and those "
            "discharged before the end of induction are counted apart."
        ),
        (
            "Intervals: 95% Wilson score intervals. Mean change: endpoint minus baseline "
            "(negative is better), of the patients scored. Cohen's d (d_av, Lakens 2013): "
            "the mean fall over the average of the baseline and endpoint standard deviations "
            "(positive is better)."
        ),
        (
            f"Trajectory classes: a Gaussian mixture fitted to the {classed} "
            "paths (baseline, then each session above) of the patients scored at every one, "
            f"with 1 to {report.max_classes} classes; the number with the lowest BIC is "
            "kept, and each class named from its mean path against the MCID (CLINICAL.md F, "
            "G9: Hull 2022 found improving, chronic and delayed)."
        ),
        (
            "Hull 2022 (CLINICAL.md F): at-home sublingual ketamine, n = 1,247, 4 sessions "
            "over 4 weeks, assessed after session 4: its rates are the dashed marks."
        ),
    )
