from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "ketacare administration"
admin.site.site_title = "ketacare"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("ketacare.web.urls")),
]
