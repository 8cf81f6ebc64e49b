"""At-home sessions: the pre-dose checklist and gate, the dose, the check-in, adverse events.

The patient's own POSTs (start, dose, check-in, adverse event) take an `Idempotency-Key`:
a phone retrying over a bad connection never records a dose twice.

One router a topic, all under the "sessions" tag: `dosing` (the checklist, the gate and
the dose), `check_in` and `adverse_events`. Their operation ids keep the names they had
when the three were one module (`ketacare_api_sessions_<view>`).
"""
