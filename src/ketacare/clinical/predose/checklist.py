"""The checklist's answers: a sitter, fasting, no driving, no interacting substances.

CLINICAL.md C and D: a registered adult sitter present for every session; nausea and
vomiting (fasting); no driving until the next day after sleep; no CNS depressants,
stimulants or MAOIs the day of a dose.
"""

from __future__ import annotations

from collections.abc import Iterable

from ketacare.clinical.predose.facts import PreDoseFacts, _gate_finding
from ketacare.clinical.safety import (
    Cause,
    Finding,
    SafetyRules,
    Substance,
    duration,
    utc,
    when,
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
