"""The cohort outcome report: a clinic's treated patients as numbers, never as names.

`gather` reads the courses from the database (`PatientCourse`, the clinical core's
input), `queries.cohort_report_for` checks the policy row, computes the report
(`ketacare.clinical.outcomes.report`) and audits the read, `charts` draws it, and
`present` turns it into the rows every face shows (the page, the command, the API).
"""
