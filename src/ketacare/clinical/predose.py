"""The pre-dose gate: may this patient take a dose now, at home, and if not, why not.

Pure functions: the caller passes what the patient and sitter confirmed, the plan's
limits and the patient's recent history (doses, readings, suicidality signals). The
gate runs when the checklist is answered and again when the dose is recorded, with
`now` the moment of each: a checklist that passed an hour ago may not pass now.

Every failed item is listed, each with a message for the care team and a next step in
the patient's words (times on the patient's own clock, never a zone name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ketacare.clinical import instruments
from ketacare.clinical.instruments import Score
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    Cause,
    Finding,
    InvalidSafetyInput,
    SafetyRules,
    Severity,
    Substance,
    check_suicidality,
    clock_time,
    duration,
    require_aware,
    require_not_after_now,
    require_span,
    utc,
    when,
)
from ketacare.clinical.vitals import BloodPressure, HeartRate

# CLINICAL.md C: "at most twice weekly" is counted over any rolling 7 days. A dose
# exactly 7 days before `now` has left the window.
ROLLING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class GateResult:
    """Whether a dose may be taken now, and every reason it may not."""

    allowed: bool
    findings: tuple[Finding, ...]

    @property
    def suicidality_hold(self) -> bool:
        """The gate held the dose over suicidality: crisis help comes first."""
        return any(f.cause == Cause.SUICIDALITY_HOLD for f in self.findings)


@dataclass(frozen=True)
class SitterConfirmation:
    """A sitter's confirmation of being with the patient, as the records show it."""

    name: str
    confirmed_at: datetime
    registered_for_patient: bool  # on file as a sitter of this patient
    adult: bool  # confirmed 18 or older when registered
    is_the_patient: bool  # the sitter's sign-in is the patient's own

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise InvalidSafetyInput(f"sitter name must be text, not {self.name!r}.")
        require_aware("sitter confirmed_at", self.confirmed_at)
        for name in ("registered_for_patient", "adult", "is_the_patient"):
            if type(getattr(self, name)) is not bool:
                raise InvalidSafetyInput(f"sitter {name} must be True or False.")


@dataclass(frozen=True)
class EarlierReading:
    """A pre-dose blood pressure taken earlier on the patient's day (every one is kept)."""

    at: datetime
    reading: BloodPressure

    def __post_init__(self) -> None:
        require_aware("earlier reading at", self.at)
        if not isinstance(self.reading, BloodPressure):
            raise InvalidSafetyInput(f"an earlier reading must be a BloodPressure, not {self!r}.")


@dataclass(frozen=True)
class SuicidalitySignal:
    """A reason dosing is held: an unresolved suicidality alert, or a flag since review."""

    at: datetime
    what: str  # for the care team, e.g. "PHQ-9 item 9 answered 2"

    def __post_init__(self) -> None:
        require_aware("suicidality signal at", self.at)
        if not isinstance(self.what, str) or not self.what.strip():
            raise InvalidSafetyInput("a suicidality signal must say what it is.")


@dataclass(frozen=True)
class PreDoseFacts:
    """What the patient and sitter confirmed, the plan allows and the records show."""

    blood_pressure: BloodPressure
    measured_at: datetime  # when the checklist (and its reading) was answered
    now: datetime  # when the gate runs: the checklist, or the dose
    zone: tzinfo  # the patient's clock: calendar days and the times they read
    sitter_present: bool  # the patient's own answer
    sitter: SitterConfirmation | None  # None: no sitter has confirmed
    fasted: bool
    no_driving_until_tomorrow: bool
    substances_today: frozenset[Substance]  # empty: none of them taken today
    last_dose_at: datetime | None  # None: this is the first dose
    # Dose times of the recent past; those 7 days or more before `now` are not counted.
    recent_doses_at: tuple[datetime, ...]
    min_interval_between_doses: (
        timedelta  # the plan's; the gate keeps the longer of it and the rules'
    )
    max_sessions_per_7_days: int | None = None  # from the plan; None: rules' default
    heart_rate: HeartRate | None = None
    # Pre-dose readings earlier on the patient's day, before `measured_at`.
    earlier_readings_today: tuple[EarlierReading, ...] = ()
    # When a clinician last cleared a blood-pressure hold today (None: not today).
    bp_cleared_at: datetime | None = None
    # Unresolved suicidality alerts and flags since the last clinician review.
    suicidality: tuple[SuicidalitySignal, ...] = ()
    # The checklist's own C-SSRS screen (since the last contact).
    cssrs: Score | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.blood_pressure, BloodPressure):
            raise InvalidSafetyInput(
                f"blood_pressure must be a BloodPressure, not {self.blood_pressure!r}."
            )
        if self.heart_rate is not None and not isinstance(self.heart_rate, HeartRate):
            raise InvalidSafetyInput(
                f"heart_rate must be a HeartRate or None, not {self.heart_rate!r}."
            )
        for name in ("sitter_present", "fasted", "no_driving_until_tomorrow"):
            if type(getattr(self, name)) is not bool:
                raise InvalidSafetyInput(f"{name} must be True or False.")
        if self.sitter is not None and not isinstance(self.sitter, SitterConfirmation):
            raise InvalidSafetyInput(
                f"sitter must be a SitterConfirmation or None, not {self.sitter!r}."
            )
        if not isinstance(self.substances_today, frozenset) or not all(
            isinstance(s, Substance) for s in self.substances_today
        ):
            raise InvalidSafetyInput(
                f"substances_today must be a frozenset of {', '.join(Substance)}, "
                f"not {self.substances_today!r}."
            )
        if not isinstance(self.zone, tzinfo):
            raise InvalidSafetyInput(f"zone must be a tzinfo, not {self.zone!r}.")
        require_aware("now", self.now)
        require_aware("measured_at", self.measured_at)
        require_not_after_now("measured_at", self.measured_at, self.now)
        require_span("min_interval_between_doses", self.min_interval_between_doses)
        if self.max_sessions_per_7_days is not None and (
            type(self.max_sessions_per_7_days) is not int or self.max_sessions_per_7_days < 1
        ):
            raise InvalidSafetyInput(
                "max_sessions_per_7_days must be a whole number of at least 1, "
                f"not {self.max_sessions_per_7_days!r}."
            )
        if self.cssrs is not None and (
            not isinstance(self.cssrs, Score) or self.cssrs.instrument != "cssrs_screen"
        ):
            raise InvalidSafetyInput(f"cssrs must be a C-SSRS screen score, not {self.cssrs!r}.")
        self._check_history()

    def _check_history(self) -> None:
        for name in ("recent_doses_at", "earlier_readings_today", "suicidality"):
            if not isinstance(getattr(self, name), tuple):
                raise InvalidSafetyInput(f"{name} must be a tuple, not {getattr(self, name)!r}.")
        for earlier in self.earlier_readings_today:
            if not isinstance(earlier, EarlierReading):
                raise InvalidSafetyInput(f"{earlier!r} is not an EarlierReading.")
            require_not_after_now("an earlier reading", earlier.at, self.measured_at)
        for signal in self.suicidality:
            if not isinstance(signal, SuicidalitySignal):
                raise InvalidSafetyInput(f"{signal!r} is not a SuicidalitySignal.")
        if self.bp_cleared_at is not None:
            require_aware("bp_cleared_at", self.bp_cleared_at)
        if self.sitter is not None:
            require_not_after_now("sitter confirmed_at", self.sitter.confirmed_at, self.now)
        self._check_doses()

    def _check_doses(self) -> None:
        for at in self.recent_doses_at:
            require_aware("recent_doses_at", at)
            require_not_after_now("recent_doses_at", at, self.now)
        if self.last_dose_at is None:
            if self.recent_doses_at:
                raise InvalidSafetyInput("last_dose_at is None but recent_doses_at lists doses.")
            return
        require_aware("last_dose_at", self.last_dose_at)
        require_not_after_now("last_dose_at", self.last_dose_at, self.now)
        if any(utc(at) > utc(self.last_dose_at) for at in self.recent_doses_at):
            raise InvalidSafetyInput(
                f"recent_doses_at lists a dose after last_dose_at {when(self.last_dose_at)}."
            )

    def at(self, moment: datetime) -> str:
        """A time as the patient reads it (their clock, the day named unless today)."""
        return clock_time(moment, self.zone, self.now)


def check_pre_dose(facts: PreDoseFacts, rules: SafetyRules = DEFAULT_RULES) -> GateResult:
    """The pre-dose gate: allowed only if every item passes; lists every failed item.

    Suicidality comes first (the patient sees crisis help before anything else).
    """
    findings = [
        finding
        for finding in (
            _suicidality_gate(facts, rules),
            _blood_pressure_gate(facts.blood_pressure, rules),
            *_blood_pressure_history(facts, rules),
            _heart_rate_gate(facts.heart_rate, rules),
            _sitter_gate(facts, rules),
            _fasting_gate(facts, rules),
            _driving_gate(facts),
            *_substance_gate(facts.substances_today),
            _same_day_gate(facts),
            _interval_gate(facts, rules),
            _sessions_gate(facts, rules),
            _expiry_gate(facts, rules),
        )
        if finding is not None
    ]
    return GateResult(allowed=not findings, findings=tuple(findings))


def _gate_finding(
    cause: Cause, message: str, next_step: str, source: str, severity: Severity = Severity.WARNING
) -> Finding:
    return Finding(
        severity=severity, cause=cause, message=message, source=source, next_step=next_step
    )


# --- Suicidality (CLINICAL.md A1, A8, G3) --------------------------------------------------


def _suicidality_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    reasons = [f"{s.what} ({when(s.at, facts.zone)})" for s in facts.suicidality]
    screen = facts.cssrs
    if screen is not None and check_suicidality(screen, rules) is not None:
        reasons.insert(0, f"the checklist's C-SSRS screen today ({screen.band} triage)")
    if not reasons:
        return None
    return _gate_finding(
        Cause.SUICIDALITY_HOLD,
        "Dosing is held until a clinician records a clearance: " + "; ".join(reasons) + ".",
        "Please do not take a dose today. What you told us about thoughts of death or "
        "suicide means your clinician needs to talk with you first; they have been told. "
        "If you might act on these thoughts, or feel unsafe now, call the emergency "
        "number or the crisis line now.",
        "CLINICAL.md A1, A8, G3",
    )


# --- Blood pressure (CLINICAL.md D, G2) ------------------------------------------------------


def _blood_pressure_gate(reading: BloodPressure, rules: SafetyRules) -> Finding | None:
    # Only the more severe of the two limits is reported: a hard stop is also above the gate.
    if rules.bp_hard_stop is not None and rules.bp_hard_stop.reached_by(reading):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is at or above the hard stop {rules.bp_hard_stop}.",
            "Do not take the dose today. Your blood pressure is too high for a dose. Call "
            "the clinic: only your clinician can clear a dose today.",
            "CLINICAL.md D",
            Severity.URGENT,
        )
    if rules.bp_delay_gate is not None and rules.bp_delay_gate.exceeded_by(reading):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is above the pre-dose limit {rules.bp_delay_gate}.",
            f"Do not take the dose now. Sit quietly and measure your blood pressure again "
            f"in {duration(rules.bp_remeasure_wait)}, or call the clinic.",
            "CLINICAL.md D",
        )
    return None


def _over_limits(reading: BloodPressure, rules: SafetyRules) -> tuple[bool, bool]:
    """(at or above the hard stop, above the delay gate)."""
    hard = rules.bp_hard_stop is not None and rules.bp_hard_stop.reached_by(reading)
    delay = rules.bp_delay_gate is not None and rules.bp_delay_gate.exceeded_by(reading)
    return hard, hard or delay


@dataclass(frozen=True)
class BloodPressureDay:
    """The readings of a patient's day that count: since a clinician's clearance, if any."""

    hard_stops: tuple[EarlierReading, ...]  # at or above the hard stop
    over: tuple[EarlierReading, ...]  # above the delay gate (hard stops included)

    def holds(self, rules: SafetyRules = DEFAULT_RULES) -> bool:
        """Whether only a clinician may clear a dose today (CLINICAL.md G2)."""
        return bool(self.hard_stops) or len(self.over) >= rules.bp_tries_per_day


def blood_pressure_day(
    readings: Iterable[EarlierReading],
    cleared_at: datetime | None,
    rules: SafetyRules = DEFAULT_RULES,
) -> BloodPressureDay:
    """The day's readings over the limits; those before `cleared_at` no longer count."""
    counted = [e for e in readings if cleared_at is None or utc(e.at) > utc(cleared_at)]
    return BloodPressureDay(
        hard_stops=tuple(e for e in counted if _over_limits(e.reading, rules)[0]),
        over=tuple(e for e in counted if _over_limits(e.reading, rules)[1]),
    )


def _blood_pressure_history(facts: PreDoseFacts, rules: SafetyRules) -> list[Finding]:
    """Earlier readings today: a hard stop holds the day, a failure sets a wait and a count.

    Readings before a clinician's clearance today no longer count.
    """
    day = blood_pressure_day(facts.earlier_readings_today, facts.bp_cleared_at, rules)
    hard_stops, failed = day.hard_stops, day.over
    findings: list[Finding] = []
    if hard_stops:
        first = hard_stops[0]
        findings.append(
            _gate_finding(
                Cause.BP_HARD_STOP_TODAY,
                f"A reading of {first.reading} at {when(first.at, facts.zone)} reached the hard "
                "stop today; no dose that day until a clinician clears it.",
                f"Do not take a dose today: your blood pressure was too high at "
                f"{facts.at(first.at)}. Call the clinic: only your clinician can clear a "
                "dose today.",
                "CLINICAL.md D, G2",
            )
        )
    if failed and not hard_stops:  # a hard stop holds the day: no re-measure to wait for
        last = max(failed, key=lambda e: utc(e.at))
        ready = utc(last.at) + rules.bp_remeasure_wait
        if utc(facts.measured_at) < ready:
            findings.append(
                _gate_finding(
                    Cause.BP_REMEASURE_TOO_SOON,
                    f"Re-measured {duration(utc(facts.measured_at) - utc(last.at))} after a "
                    f"reading over the limit ({last.reading} at {when(last.at, facts.zone)}); "
                    f"the wait is {duration(rules.bp_remeasure_wait)}.",
                    f"Please wait: sit quietly and measure again from {facts.at(ready)}.",
                    "CLINICAL.md G2",
                )
            )
    tries = len(failed) + int(_over_limits(facts.blood_pressure, rules)[1])
    if tries >= rules.bp_tries_per_day and not hard_stops:
        findings.append(
            _gate_finding(
                Cause.BP_TRIES_USED,
                f"{tries} readings over the limit today; the clinic allows "
                f"{rules.bp_tries_per_day} a day before a clinician must clear the dose.",
                "No more tries today: your blood pressure has been over the limit too many "
                "times. Call the clinic.",
                "CLINICAL.md G2",
            )
        )
    return findings


def _heart_rate_gate(reading: HeartRate | None, rules: SafetyRules) -> Finding | None:
    low, high = rules.heart_rate_min_bpm, rules.heart_rate_max_bpm
    if low is None and high is None:
        return None
    if reading is None:
        problem = "was not measured; the clinic checks it before every dose"
    elif low is not None and reading.bpm < low:
        problem = f"{reading.bpm} bpm is below the clinic's minimum {low} bpm"
    elif high is not None and reading.bpm > high:
        problem = f"{reading.bpm} bpm is above the clinic's maximum {high} bpm"
    else:
        return None
    return _gate_finding(
        Cause.HEART_RATE_GATE_FAILED,
        f"Heart rate {problem}.",
        "Do not take the dose now. Measure your heart rate again later, or call the clinic.",
        "ketacare clinic setting (CLINICAL.md has no heart-rate limit)",
    )


# --- The sitter (CLINICAL.md C, D) -----------------------------------------------------------


def _sitter_problem(facts: PreDoseFacts, rules: SafetyRules) -> tuple[str, str] | None:
    """(for the care team, for the patient), or None when the sitter item passes."""
    sitter = facts.sitter
    if not facts.sitter_present or sitter is None:
        return (
            (
                "the patient says no sitter is with them"
                if not facts.sitter_present
                else "no sitter has confirmed being with the patient"
            ),
            (
                "Do not take the dose until your sitter, a sober adult, is with you and has "
                "confirmed it, from their own ketacare sign-in or with the code we text to "
                "their phone."
            ),
        )
    problems = (
        (
            sitter.is_the_patient,
            f"the confirmation by {sitter.name} came from the patient's own account",
            "You cannot be your own sitter: another adult must stay with you.",
        ),
        (
            not sitter.registered_for_patient,
            f"{sitter.name} is not registered as this patient's sitter",
            "Your sitter must be registered with the clinic as your sitter. Call the clinic.",
        ),
        (
            not sitter.adult,
            f"{sitter.name} is not confirmed to be an adult (18 or older)",
            "Your sitter must be an adult the clinic has confirmed. Call the clinic.",
        ),
        (
            utc(facts.now) - utc(sitter.confirmed_at) > rules.sitter_confirmation_valid_for,
            (
                f"{sitter.name} confirmed at {when(sitter.confirmed_at, facts.zone)}, more than "
                f"{duration(rules.sitter_confirmation_valid_for)} ago"
            ),
            (
                f"{sitter.name} confirmed being with you at {facts.at(sitter.confirmed_at)}, too "
                "long ago. Ask them to confirm again now."
            ),
        ),
    )
    return next(((team, patient) for failed, team, patient in problems if failed), None)


def _sitter_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    problem = _sitter_problem(facts, rules)
    if problem is None:
        return None
    message, next_step = problem
    return _gate_finding(
        Cause.SITTER_ABSENT,
        f"No confirmed sitter: {message}; a registered adult sitter must be present for "
        "every session.",
        f"{next_step} They stay with you at least {duration(rules.sitter_stay)} after the dose.",
        "CLINICAL.md C, D",
    )


def _fasting_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    if facts.fasted or not rules.fasting_required:
        return None
    return _gate_finding(
        Cause.NOT_FASTED,
        "The patient has not fasted before the dose.",
        "Do not take the dose now. Take it once you have fasted as your program "
        "instructs, or call the clinic.",
        "ketacare at-home checklist (CLINICAL.md D: nausea and vomiting)",
    )


def _driving_gate(facts: PreDoseFacts) -> Finding | None:
    if facts.no_driving_until_tomorrow:
        return None
    return _gate_finding(
        Cause.DRIVING_PLANNED,
        "The patient has not confirmed no driving until the next day after sleep.",
        "Do not take the dose unless you can stay off the road until tomorrow, after "
        "sleep. Call the clinic to move the session if you need to drive.",
        "CLINICAL.md D",
    )


# CLINICAL.md D: benzodiazepines and other CNS depressants, stimulants or MAOIs (which
# raise blood pressure). For the care team; the patient's words are on the checklist.
SUBSTANCE_RISK = {
    Substance.ALCOHOL: "Alcohol taken today: a central nervous system depressant.",
    Substance.BENZODIAZEPINES: "Benzodiazepines taken today: central nervous system depressants.",
    Substance.STIMULANTS: "Stimulants taken today: they raise blood pressure, as ketamine does.",
    Substance.OPIOIDS: "Opioids taken today: central nervous system depressants "
    "(breathing and sedation).",
    Substance.GABAPENTINOIDS: "Gabapentin or pregabalin taken today: central nervous system "
    "depressants.",
    Substance.Z_DRUGS: "A Z-drug sleeping pill taken today: a central nervous system depressant.",
    Substance.SEDATING_ANTIHISTAMINES: "A sedating antihistamine taken today: a central "
    "nervous system depressant.",
    Substance.CANNABIS: "Cannabis taken today: adds sedation and dissociation.",
    Substance.MAOIS: "An MAOI taken today: raises blood pressure, as ketamine does.",
}

# What the patient reads on the checklist: the substance in everyday words, with examples.
SUBSTANCE_WORDS = {
    Substance.ALCOHOL: "Alcohol (beer, wine, spirits)",
    Substance.BENZODIAZEPINES: "Anxiety or sleep medicine like lorazepam (Ativan), "
    "alprazolam (Xanax), clonazepam (Klonopin) or diazepam (Valium)",
    Substance.STIMULANTS: "Stimulants like amphetamine (Adderall), methylphenidate (Ritalin) "
    "or cocaine",
    Substance.OPIOIDS: "Opioid pain medicine like oxycodone, hydrocodone, codeine, tramadol, "
    "morphine or methadone",
    Substance.GABAPENTINOIDS: "Gabapentin (Neurontin) or pregabalin (Lyrica)",
    Substance.Z_DRUGS: "Sleeping pills like zolpidem (Ambien), zaleplon or eszopiclone (Lunesta)",
    Substance.SEDATING_ANTIHISTAMINES: "Allergy or sleep aids that make you drowsy, like "
    "diphenhydramine (Benadryl, ZzzQuil), doxylamine or promethazine",
    Substance.CANNABIS: "Cannabis (marijuana, edibles, vapes)",
    Substance.MAOIS: "An MAOI antidepressant like phenelzine (Nardil), tranylcypromine "
    "(Parnate) or selegiline (Emsam)",
}


def _substance_gate(substances: frozenset[Substance]) -> Iterable[Finding]:
    return [
        _gate_finding(
            Cause.INTERACTING_SUBSTANCE,
            SUBSTANCE_RISK[substance],
            "Do not take the dose today: it does not mix safely with something you have "
            "taken today. Call the clinic.",
            "CLINICAL.md D",
        )
        for substance in Substance
        if substance in substances
    ]


# --- Spacing (CLINICAL.md C, G1) -------------------------------------------------------------


def _same_day_gate(facts: PreDoseFacts) -> Finding | None:
    """CLINICAL.md G1: never two doses on one calendar day on the patient's clock."""
    today = facts.now.astimezone(facts.zone).date()
    doses = (*facts.recent_doses_at, *([facts.last_dose_at] if facts.last_dose_at else []))
    taken = [at for at in doses if at.astimezone(facts.zone).date() == today]
    if not taken:
        return None
    first = min(taken, key=utc)
    return _gate_finding(
        Cause.DOSE_TODAY_ALREADY,
        f"A dose was taken today already ({when(first, facts.zone)}); never two doses on "
        "one calendar day.",
        f"You have already taken a dose today, at {facts.at(first)}. Do not take another "
        "one today.",
        "CLINICAL.md G1",
    )


def _interval_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    if facts.last_dose_at is None:
        return None
    interval = max(facts.min_interval_between_doses, rules.min_interval_between_doses)
    now, last_dose_at = utc(facts.now), utc(facts.last_dose_at)
    next_allowed = last_dose_at + interval
    if now >= next_allowed:
        return None
    return _gate_finding(
        Cause.DOSE_TOO_SOON,
        f"The last dose was {duration(now - last_dose_at)} ago "
        f"({when(last_dose_at, facts.zone)}); at least {duration(interval)} must pass "
        "between doses.",
        f"Do not take the dose now: it is too soon after your last one. The next dose "
        f"can be from {facts.at(next_allowed)}.",
        "treatment plan (CLINICAL.md C, G1)",
    )


def _sessions_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    maximum = facts.max_sessions_per_7_days
    if maximum is None:
        maximum = rules.default_max_sessions_per_7_days
    window_start = utc(facts.now) - ROLLING_WINDOW
    in_window = sorted(utc(at) for at in facts.recent_doses_at if utc(at) > window_start)
    if len(in_window) < maximum:
        return None
    # The dose becomes allowed once enough of the oldest doses leave the window.
    next_allowed = in_window[len(in_window) - maximum] + ROLLING_WINDOW
    return _gate_finding(
        Cause.TOO_MANY_SESSIONS,
        f"{len(in_window)} doses in the last 7 days; the plan allows at most {maximum} "
        "in any 7 days.",
        f"Do not take the dose now. The next dose can be from {facts.at(next_allowed)}, "
        "or call the clinic.",
        "treatment plan (CLINICAL.md C)",
    )


# --- The checklist's age (CLINICAL.md G2) ----------------------------------------------------


def _expiry_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    age = utc(facts.now) - utc(facts.measured_at)
    if age <= rules.checklist_valid_for:
        return None
    return _gate_finding(
        Cause.CHECKLIST_EXPIRED,
        f"The checklist was answered {duration(age)} ago ({when(facts.measured_at, facts.zone)}); "
        f"it authorises a dose for {duration(rules.checklist_valid_for)}.",
        f"Your checklist from {facts.at(facts.measured_at)} is too old. Do the checklist "
        "again, with a new blood pressure reading, before you take the dose.",
        "CLINICAL.md G2",
    )


# A dose taken although the gate held it: what held it decides how pressing it is.
_EMERGENCY_HOLDS = frozenset({Cause.SUICIDALITY_HOLD, Cause.BP_HARD_STOP_TODAY})


def dose_against_gate(held: GateResult) -> Finding:
    """A dose the patient reports taking although the gate held it at dose time.

    What was taken is a fact and is recorded; the care team is paged: urgently, or as an
    emergency when a suicidality hold or a blood-pressure hard stop held it (clinic's
    choice: the two holds only a clinician lifts).
    """
    if held.allowed:
        raise InvalidSafetyInput("dose_against_gate needs a gate that held the dose.")
    causes = {f.cause for f in held.findings}
    hard_stop = any(
        f.cause == Cause.BP_GATE_FAILED and f.severity is Severity.URGENT for f in held.findings
    )
    emergency = bool(causes & _EMERGENCY_HOLDS) or hard_stop
    return Finding(
        severity=Severity.EMERGENCY if emergency else Severity.URGENT,
        cause=Cause.DOSE_AGAINST_GATE,
        message="A dose was taken although the checklist no longer allowed it: "
        + " ".join(f.message for f in held.findings),
        source="CLINICAL.md D, G1, G2",
        next_step="Stay with your sitter and do not take anything else. Your care team has "
        "been told and will call you. If you feel very unwell, call the emergency number.",
    )


def checklist_cssrs(  # noqa: PLR0913 - the screen's six questions
    *,
    wish_to_be_dead: bool,
    suicidal_thoughts: bool,
    behaviour: bool,
    thoughts_with_method: bool = False,
    intent: bool = False,
    plan_with_intent: bool = False,
) -> Score:
    """The C-SSRS screen as the checklist asks it: since the last contact (CLINICAL.md G3).

    Questions 3-5 are asked only after a yes to question 2 (A8). Behaviour since the last
    contact is recent by definition, so it is both "ever" and "within 3 months" (A8:
    high triage). Refuses (InvalidAnswers) a yes to 3-5 without a yes to 2.
    """
    answers = (
        wish_to_be_dead,
        suicidal_thoughts,
        thoughts_with_method,
        intent,
        plan_with_intent,
        behaviour,
        behaviour,
    )
    if not all(type(a) is bool for a in answers):
        raise InvalidSafetyInput("Every C-SSRS answer is a yes or a no.")
    return instruments.score("cssrs_screen", [int(a) for a in answers])
