"""Treatment: plans (versioned), prescriptions, dispenses, and the ledger with its balance.

One router a topic, all under the "treatment" tag: `plans`, `prescriptions`, `dispensing`
and `ledger`. Their operation ids keep the names they had when the four were one module
(`ketacare_api_treatment_<view>`), so clients generated from the schema do not change.
"""
