"""The public site: the program explained, and the self-screen."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "web/public/landing.html")
