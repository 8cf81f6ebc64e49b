"""Clinician notes on the chart: drafted, signed and locked by their author, corrected by addenda."""
