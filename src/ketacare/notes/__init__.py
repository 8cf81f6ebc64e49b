"""Clinician notes on the chart: drafted, then signed and locked by their author; addenda."""
