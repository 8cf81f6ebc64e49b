"""The FHIR R4 face under /fhir: plain views over ketacare.interop.fhir.server."""
