from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketacare.accounts"
    verbose_name = "Clinics and users"
