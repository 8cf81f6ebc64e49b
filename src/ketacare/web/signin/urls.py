from django.urls import path

# lockout: its audit receiver connects when the URLs load, before any sign-in.
from ketacare.web.signin import lockout, views

__all__ = ["lockout", "urlpatterns"]

urlpatterns = [
    path("login/code/", views.code, name="signin-code"),
    path("account/second-factor/setup/", views.setup, name="signin-setup"),
    path("account/security/", views.security, name="account-security"),
    path("account/security/recovery-codes/", views.renew_codes, name="account-recovery-codes"),
    path("account/security/turn-off/", views.turn_off, name="account-second-factor-off"),
]
