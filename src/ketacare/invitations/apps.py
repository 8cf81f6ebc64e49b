from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    name = "ketacare.invitations"
    verbose_name = "Portal invitations"
