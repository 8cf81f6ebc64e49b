"""/fhir/...: the CapabilityStatement, $everything, reads and searches (in that order)."""

from django.urls import path

from ketacare.api.fhir import views

urlpatterns = [
    path("metadata", views.metadata, name="fhir-metadata"),
    path("Patient/<str:patient_id>/$everything", views.everything, name="fhir-everything"),
    path("<str:type_name>/<str:fhir_id>", views.read, name="fhir-read"),
    path("<str:type_name>", views.search, name="fhir-search"),
]
