"""Exports of a clinic's records as CSV files, identifying or pseudonymised for research.

One CSV file per record type (records.RECORD_TYPES), written to a directory or a zip
archive (sinks), for a clinic and a range of days on the clinic's clock. Times are ISO
8601 in UTC, in columns whose names end in `_utc`; `patient_timezone` gives the zone to
read them in. Research exports (pseudonyms, columns) keep a whitelist of columns, turn
ids into keyed hashes and move each patient's dates by the patient's own shift.
"""
