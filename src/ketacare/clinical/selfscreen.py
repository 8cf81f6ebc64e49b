"""The public self-screen "Is ketamine treatment right for you?": answers in, a result out.

A visitor answers the PHQ-9, says how many antidepressants they have tried in this
episode, and answers the key exclusions of CLINICAL.md D. The result is one of:

- `not_suitable`: an absolute exclusion applies (CLINICAL.md D);
- `talk_to_doctor`: nothing rules treatment out, but something needs a doctor first
  (symptoms below the usual cut-off, fewer failed trials than treatment-resistant
  depression, a relative contraindication, a "not sure", or thoughts of self-harm);
- `may_be_candidate`: none of those.

Every result carries its reasons in plain words, for the visitor. It is a screen, not a
diagnosis and not an eligibility decision: that is the clinician's review of a full
intake (`ketacare.clinical.eligibility`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketacare.clinical import checks, instruments
from ketacare.clinical.eligibility import DEFAULT_RULES as ELIGIBILITY_RULES
from ketacare.clinical.instruments import SUICIDALITY

_A1 = "CLINICAL.md A1"
_D = "CLINICAL.md D"


class InvalidSelfScreen(ValueError):
    """Self-screen answers or rules that cannot be read; the message names the field."""


class Outcome(StrEnum):
    """What the self-screen suggests, most hopeful first."""

    MAY_BE_CANDIDATE = "may_be_candidate"
    TALK_TO_DOCTOR = "talk_to_doctor"
    NOT_SUITABLE = "not_suitable"

    @property
    def label(self) -> str:
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    Outcome.MAY_BE_CANDIDATE: "You may be a candidate",
    Outcome.TALK_TO_DOCTOR: "Talk to your doctor first",
    Outcome.NOT_SUITABLE: "At-home ketamine treatment is not suitable for you",
}


class Answer(StrEnum):
    """An answer to an exclusion question. "Not sure" is never read as "no"."""

    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"


class Weight(StrEnum):
    """What a "yes" to an exclusion question means (CLINICAL.md D)."""

    ABSOLUTE = "absolute"  # rules at-home treatment out
    RELATIVE = "relative"  # a doctor must weigh it first


@dataclass(frozen=True)
class Question:
    """One exclusion question, in the visitor's words, and what it stands for."""

    code: str
    text: str
    weight: Weight
    # What a "yes" means, completing "You answered yes: ..." on the result page.
    meaning: str


# CLINICAL.md D: the absolute exclusions (Spravato label; at-home program criteria),
# asked in plain words, and one relative contraindication (bipolar disorder without
# current mania). Pregnancy and breastfeeding, and the two brain-vessel conditions, are
# asked together: the answer leads to the same result.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "under_18",
        "Are you under 18 years old?",
        Weight.ABSOLUTE,
        f"the program treats adults ({ELIGIBILITY_RULES.minimum_age_years} or older) only.",
    ),
    Question(
        "pregnant_or_breastfeeding",
        "Are you pregnant or breastfeeding?",
        Weight.ABSOLUTE,
        "ketamine is not used during pregnancy or breastfeeding.",
    ),
    Question(
        "psychotic_disorder",
        "Have you ever been diagnosed with a psychotic disorder, such as schizophrenia?",
        Weight.ABSOLUTE,
        "ketamine can make psychosis worse.",
    ),
    Question(
        "current_mania",
        "Are you in a manic episode right now (a very high or irritable mood, much more "
        "energy, little need for sleep, racing thoughts)?",
        Weight.ABSOLUTE,
        "ketamine is not used during mania.",
    ),
    Question(
        "bipolar_disorder",
        "Have you ever been diagnosed with bipolar disorder?",
        Weight.RELATIVE,
        "with bipolar disorder, a doctor has to weigh the risks before ketamine treatment.",
    ),
    Question(
        "uncontrolled_high_blood_pressure",
        "Do you have high blood pressure that is not under control?",
        Weight.ABSOLUTE,
        "ketamine raises blood pressure for a few hours after each dose.",
    ),
    Question(
        "aneurysm_or_brain_bleed",
        "Have you ever had an aneurysm, a malformation of blood vessels (such as an "
        "arteriovenous malformation), or bleeding in the brain?",
        Weight.ABSOLUTE,
        "the rise in blood pressure after a dose could be dangerous with these conditions.",
    ),
    Question(
        "unstable_heart_or_lung_disease",
        "Do you have a heart or lung condition that is not stable right now?",
        Weight.ABSOLUTE,
        "ketamine is not used at home with an unstable heart or lung condition.",
    ),
    Question(
        "substance_use_disorder",
        "Do you currently have a problem with ketamine, alcohol or other drugs "
        "(a substance use disorder)?",
        Weight.ABSOLUTE,
        "ketamine can be misused and is not used while a substance use disorder is active.",
    ),
    Question(
        "ketamine_allergy",
        "Have you ever had an allergic reaction to ketamine?",
        Weight.ABSOLUTE,
        "ketamine cannot be given to someone who is allergic to it.",
    ),
)
QUESTION_CODES: tuple[str, ...] = tuple(q.code for q in QUESTIONS)
_QUESTIONS = {q.code: q for q in QUESTIONS}

# The PHQ-9 bands (CLINICAL.md A1) as the result page says them.
_BAND_WORDS = {
    "minimal": "minimal",
    "mild": "mild",
    "moderate": "moderate",
    "moderately_severe": "moderately severe",
    "severe": "severe",
}


@dataclass(frozen=True)
class SelfScreenRules:
    """Clinic-overridable cut-offs of the self-screen (defaults from CLINICAL.md).

    Override with `dataclasses.replace(DEFAULT_RULES, field=value)`.
    """

    # CLINICAL.md A1: a PHQ-9 total >= 10 (moderate or worse) has 88% sensitivity and
    # 88% specificity for major depression. Below it, the visitor talks to a doctor first.
    min_phq9_total: int = 10
    # CLINICAL.md D: treatment-resistant depression is the failure of >= 2 adequate
    # antidepressant trials in the current episode; the same default as eligibility.
    trd_minimum_failed_trials: int = ELIGIBILITY_RULES.trd_minimum_failed_trials

    def __post_init__(self) -> None:
        checks.require_whole(
            "rules.min_phq9_total", self.min_phq9_total, minimum=0, error=InvalidSelfScreen
        )
        highest = instruments.get("phq9").max_total
        if self.min_phq9_total > highest:
            raise InvalidSelfScreen(
                f"rules.min_phq9_total must be at most {highest}, not {self.min_phq9_total!r}."
            )
        checks.require_whole(
            "rules.trd_minimum_failed_trials",
            self.trd_minimum_failed_trials,
            minimum=1,
            error=InvalidSelfScreen,
        )


DEFAULT_RULES = SelfScreenRules()


@dataclass(frozen=True, kw_only=True)
class SelfScreenAnswers:
    """What the visitor answered. Every question must be answered.

    `phq9`: the PHQ-9 answers, in item order or {item number: value} (items 1-9, and
    item 10 if given). `failed_trials`: antidepressants tried in this episode at an
    adequate dose for long enough without enough improvement; None when not sure.
    `exclusions`: an Answer for every code of QUESTIONS.
    """

    phq9: Sequence[int] | Mapping[int, int]
    failed_trials: int | None
    exclusions: Mapping[str, Answer]

    def __post_init__(self) -> None:
        if self.failed_trials is not None:
            checks.require_whole(
                "failed_trials", self.failed_trials, minimum=0, error=InvalidSelfScreen
            )
        if not isinstance(self.exclusions, Mapping):
            raise InvalidSelfScreen(
                f"exclusions must map each question code to an Answer, not {self.exclusions!r}."
            )
        unknown = sorted(set(self.exclusions) - set(QUESTION_CODES), key=str)
        if unknown:
            raise InvalidSelfScreen(f"exclusions: unknown question {unknown[0]!r}.")
        missing = [code for code in QUESTION_CODES if code not in self.exclusions]
        if missing:
            raise InvalidSelfScreen(f"exclusions: question {missing[0]!r} is not answered.")
        for code, answer in self.exclusions.items():
            # A plain string equal to a member's value is not the member: nothing is coerced.
            if not isinstance(answer, Answer):
                raise InvalidSelfScreen(
                    f"exclusions[{code!r}] must be an Answer (yes, no, not_sure), not {answer!r}."
                )


class ReasonKind(StrEnum):
    """How a reason weighs on the result."""

    EXCLUSION = "exclusion"  # makes the result not_suitable
    CAUTION = "caution"  # makes the result talk_to_doctor (at least)
    INFO = "info"  # what speaks for treatment; never changes the result


@dataclass(frozen=True)
class Reason:
    """One reason for the result, in plain words, with where its rule comes from."""

    code: str
    kind: ReasonKind
    text: str
    source: str


@dataclass(frozen=True)
class SelfScreenResult:
    """The result, its reasons (exclusions first, then cautions, then the rest)."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    phq9_total: int
    phq9_band: str
    # CLINICAL.md A1: PHQ-9 item 9 > 0 needs same-day follow-up: show crisis help first.
    suicidal_thoughts: bool


def _exclusion_reasons(exclusions: Mapping[str, Answer]) -> list[Reason]:
    reasons = []
    for question in QUESTIONS:
        answer = exclusions[question.code]
        if answer is Answer.NO:
            continue
        if answer is Answer.NOT_SURE:
            reasons.append(
                Reason(
                    question.code,
                    ReasonKind.CAUTION,
                    f'You were not sure about "{question.text}" A doctor can check this '
                    "with you: if it applies, "
                    f"{question.meaning}",
                    _D,
                )
            )
        else:
            kind = (
                ReasonKind.EXCLUSION if question.weight is Weight.ABSOLUTE else ReasonKind.CAUTION
            )
            reasons.append(
                Reason(
                    question.code,
                    kind,
                    f'You answered yes to "{question.text}" This matters because '
                    f"{question.meaning}",
                    _D,
                )
            )
    return reasons


def _phq9_reason(total: int, band: str, rules: SelfScreenRules) -> Reason:
    said = f"Your PHQ-9 score is {total} out of 27: {_BAND_WORDS[band]} depression symptoms."
    if total >= rules.min_phq9_total:
        return Reason("phq9_total", ReasonKind.INFO, said, _A1)
    return Reason(
        "phq9_below_cut_off",
        ReasonKind.CAUTION,
        f"{said} Ketamine treatment is for depression that is at least moderate (a score "
        f"of {rules.min_phq9_total} or more is the usual sign of major depression). Talk to "
        "your doctor about what would help you most.",
        _A1,
    )


def _trials_reason(failed_trials: int | None, rules: SelfScreenRules) -> Reason:
    needed = rules.trd_minimum_failed_trials
    if failed_trials is None:
        return Reason(
            "trials_not_sure",
            ReasonKind.CAUTION,
            "You were not sure how many antidepressants you have tried. Ketamine is usually "
            f"for depression that has not got better after at least {needed} antidepressants; "
            "your doctor can go through your medicines with you.",
            _D,
        )
    tried = f"You have tried {failed_trials} antidepressant{'s' if failed_trials != 1 else ''}"
    if failed_trials >= needed:
        return Reason(
            "treatment_resistant",
            ReasonKind.INFO,
            f"{tried} in this episode without enough improvement. Doctors call this "
            "treatment-resistant depression, which is what ketamine treatment is for.",
            _D,
        )
    return Reason(
        "not_treatment_resistant",
        ReasonKind.CAUTION,
        f"{tried} in this episode. Ketamine is usually for depression that has not got "
        f"better after at least {needed} antidepressants taken at a full dose for long "
        "enough; your doctor may suggest other treatments first.",
        _D,
    )


def _suicidality_reason() -> Reason:
    return Reason(
        "suicidal_thoughts",
        ReasonKind.CAUTION,
        "You said you have had thoughts that you would be better off dead or of hurting "
        "yourself. Please talk to someone today: the numbers to call are at the top of "
        "this page.",
        f"{_A1}: any answer above 0 to item 9 needs same-day follow-up",
    )


_KIND_ORDER = {ReasonKind.EXCLUSION: 0, ReasonKind.CAUTION: 1, ReasonKind.INFO: 2}


def assess(answers: SelfScreenAnswers, rules: SelfScreenRules = DEFAULT_RULES) -> SelfScreenResult:
    """The self-screen result with its reasons; InvalidSelfScreen for unreadable answers."""
    if not isinstance(answers, SelfScreenAnswers):
        raise InvalidSelfScreen(f"answers must be SelfScreenAnswers, not {answers!r}.")
    if not isinstance(rules, SelfScreenRules):
        raise InvalidSelfScreen(f"rules must be SelfScreenRules, not {rules!r}.")
    try:
        score = instruments.score("phq9", answers.phq9)
    except instruments.InvalidAnswers as exc:
        raise InvalidSelfScreen(str(exc)) from exc
    suicidal = SUICIDALITY in score.flags
    reasons = [
        *_exclusion_reasons(answers.exclusions),
        *([_suicidality_reason()] if suicidal else []),
        _phq9_reason(score.total, score.band, rules),
        _trials_reason(answers.failed_trials, rules),
    ]
    reasons.sort(key=lambda reason: _KIND_ORDER[reason.kind])  # stable sort
    kinds = {reason.kind for reason in reasons}
    if ReasonKind.EXCLUSION in kinds:
        outcome = Outcome.NOT_SUITABLE
    elif ReasonKind.CAUTION in kinds:
        outcome = Outcome.TALK_TO_DOCTOR
    else:
        outcome = Outcome.MAY_BE_CANDIDATE
    return SelfScreenResult(
        outcome=outcome,
        reasons=tuple(reasons),
        phq9_total=score.total,
        phq9_band=score.band,
        suicidal_thoughts=suicidal,
    )
