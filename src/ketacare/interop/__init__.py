"""The record, outbound: FHIR R4 resources, CSV exports and the research export."""
