"""Signed-out account pages: accept an invitation, reset a forgotten password.

Both use Django's own machinery: SetPasswordForm for the new password, and the
PasswordReset views (their default token generator) for the reset; the services of
`ketacare.invitations` do the writes, queue the messages in the outbox and audit them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ketacare.accounts.models import User
from ketacare.invitations import reset, services
from ketacare.invitations.models import Invitation
from ketacare.invitations.specs import PasswordSpec
from ketacare.invitations.tokens import parse_link_id
from ketacare.kernel.errors import DomainError

BACKEND = "django.contrib.auth.backends.ModelBackend"


class PlainSetPasswordForm(SetPasswordForm):  # type: ignore[type-arg]
    """Django's set-password form, in the site's plain words."""

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password2"].label = "Type it again"
        self.fields["new_password2"].help_text = "The same password, to be sure it has no typo."


def _invitation(uid: str) -> Invitation | None:
    pk = parse_link_id(uid)
    if pk is None:
        return None
    return Invitation.objects.select_related("user", "clinic").filter(pk=pk).first()


def _refused(request: HttpRequest, invitation: Invitation | None, reason: str) -> HttpResponse:
    context = {"reason": reason, "clinic": invitation.clinic if invitation else None}
    return render(request, "web/accounts/invitation_refused.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """Set a password with the invitation's link; then signed in, on one's own page."""
    invitation = _invitation(uid)
    reason = services.why_refused(invitation, token)
    if invitation is None or reason is not None:
        return _refused(request, invitation, reason or services.NOT_CURRENT)
    user = invitation.user
    form = PlainSetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        spec = PasswordSpec(password=form.cleaned_data["new_password1"])
        try:
            accepted = services.accept_invitation(user, invitation, token, spec)
        except DomainError as exc:
            return _refused(request, invitation, exc.message)
        except ValidationError as exc:
            form.add_error("new_password2", exc.message_dict.get("password", exc.messages))
        else:
            # The account as the use case left it (its new password signs the session).
            login(request, accepted.user, backend=BACKEND)
            messages.success(request, f"Your password is set. Your username is {user.username}.")
            return redirect("home")
    context = {"form": form, "invitee": user, "clinic": invitation.clinic}
    return render(request, "web/accounts/accept.html", context)


def site_url() -> str:
    return str(settings.KETACARE_SITE_URL).rstrip("/")


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form; the message goes into the notification outbox, audited."""

    def send_mail(  # noqa: PLR0913, PLR0917 - Django's signature
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        body = loader.render_to_string(email_template_name, {**context, "site_url": site_url()})
        reset.send_reset_link(None, context["user"], body)


class AuditedSetPasswordForm(PlainSetPasswordForm):
    """Django's set-password form, saving through the audited use case."""

    def save(self, commit: bool = True) -> User:
        spec = PasswordSpec(password=self.cleaned_data["new_password1"])
        user: User = self.user
        return reset.reset_password(user, user, spec)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "web/accounts/password_reset_form.html"
    email_template_name = "web/accounts/password_reset_email.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = AuditedSetPasswordForm
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/accounts/password_reset_done.html"
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/accounts/password_reset_complete.html"
)
