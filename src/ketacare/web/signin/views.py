"""The second step of signing in, setting up a second factor, and a person's security page.

- /login/code/: the code from the app (or a recovery code), after the password;
- /account/second-factor/setup/: scan the QR code, confirm with a code, keep the ten
  recovery codes (shown once);
- /account/security/: what is on; new recovery codes; turn it off (only for someone
  who need not use it).
"""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_failures
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel.errors import DomainError
from ketacare.web.common import current_user
from ketacare.web.refusals import refusal_status, show_refusal
from ketacare.web.signin import services
from ketacare.web.signin.forms import CodeForm


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else "/"


def _passed(request: HttpRequest, user: User, device: Device) -> None:
    """The second factor given: this session is verified from now on (a new session key)."""
    request.session.cycle_key()
    otp_login(request, device)
    reset_failures(username=user.username)  # the lockout's count starts again
    used = "recovery code" if mfa.is_recovery_code(device) else mfa.APP_DEVICE
    detail: dict[str, object] = {"second_factor": used}
    if used == "recovery code":
        detail["recovery_codes_left"] = mfa.recovery_codes_left(user)
    record(Event(AuditAction.LOGIN, "accounts.User", str(user.pk), detail=detail), actor=user)


@login_required
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.user.is_verified() or not mfa.asks_second_factor(user):  # type: ignore[union-attr]
        return redirect(_next(request))
    if not mfa.has_second_factor(user):
        return redirect(f"{reverse('signin-setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.check_code(user, form.cleaned_data["code"])
        if device is not None:
            _passed(request, user, device)
            return redirect(_next(request))
        services.code_refused(user, "sign-in code")
        # Counted with the wrong passwords (axes): ten of either lock the account.
        AxesProxyHandler.user_login_failed(
            __name__, credentials={"username": user.username}, request=request
        )
        form.add_error("code", "That code is not right. Try the newest code, or a recovery code.")
    context = {"form": form, "next": _next(request)}
    return render(request, "web/signin/code.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if mfa.has_second_factor(user) and not request.user.is_verified():  # type: ignore[union-attr]
        # Replacing the app needs the old one (or a recovery code) first.
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('signin-code')}?{query}")
    device = mfa.pending_app(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.set_up_second_factor(user, device, form.cleaned_data["code"])
        except DomainError as exc:
            show_refusal(form, exc)
            return _setup_page(request, device, form, status=refusal_status(exc))
        request.session.cycle_key()
        device.refresh_from_db()
        otp_login(request, device)
        return _codes_page(request, codes)
    return _setup_page(request, device, form, status=400 if form.is_bound else 200)


def _setup_page(
    request: HttpRequest, device: TOTPDevice, form: CodeForm, status: int
) -> HttpResponse:
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr": qr.svg_data_uri(scale=4, border=2, dark="#000", light="#fff"),
        "secret": _grouped(device.config_url),
        "next": _next(request),
    }
    return render(request, "web/signin/setup.html", context, status=status)


def _grouped(config_url: str) -> str:
    """The secret as typed into an app by hand, in groups of four."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    context = {"codes": codes, "next": _next(request)}
    return render(request, "web/signin/recovery_codes.html", context)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    context = {
        "required": mfa.must_use_second_factor(user),
        "on": mfa.has_second_factor(user),
        "codes_left": mfa.recovery_codes_left(user),
    }
    return render(request, "web/signin/security.html", context)


@login_required
@require_POST
def renew_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = services.renew_recovery_codes(current_user(request))
    except DomainError as exc:
        return render(request, "web/signin/refused.html", {"message": exc.message}, status=409)
    return _codes_page(request, codes)


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    try:
        services.turn_off_second_factor(current_user(request))
    except DomainError as exc:
        return render(request, "web/signin/refused.html", {"message": exc.message}, status=409)
    return redirect("account-security")
