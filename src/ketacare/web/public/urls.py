"""URLs of the public pages (included by ketacare.web.urls at the site root)."""

from django.urls import URLPattern, URLResolver, path

from ketacare.web.public import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("screen/", views.screen, name="public-screen"),
    path("screen/contact/", views.screen_contact, name="public-screen-contact"),
    path("screen/thanks/", views.screen_thanks, name="public-screen-thanks"),
    path("screening-leads/", views.lead_list, name="public-leads"),
    path("screening-leads/<int:lead_id>/", views.lead_detail, name="public-lead"),
    path("screening-leads/<int:lead_id>/notes/", views.lead_note, name="public-lead-note"),
]
