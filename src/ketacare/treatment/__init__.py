"""Treatment: plans, prescriptions, the controlled-substance ledger, dosing sessions.

Versioned plans, prescriptions and dispensing, the ledger and its diversion findings,
at-home dosing sessions with their check-ins and adverse events.
"""
