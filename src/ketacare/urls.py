from django.contrib import admin
from django.urls import include, path

from ketacare.api.main import api

admin.site.site_header = "ketacare administration"
admin.site.site_title = "ketacare"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("fhir/", include("ketacare.api.fhir.urls")),
    path("", include("ketacare.web.urls")),
]
