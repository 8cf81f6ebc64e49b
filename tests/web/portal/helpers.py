"""What the portal tests post: a checklist and a check-in, as the browser sends them."""

from __future__ import annotations

import re

from django.http import HttpResponse

from ketacare.alerts.models import Notification

# The questions about thoughts of suicide, every answer no (the follow-ups are not asked).
NO_IDEATION = {
    "cssrs_wish_to_be_dead": "no",
    "cssrs_suicidal_thoughts": "no",
    "cssrs_behaviour": "no",
}
CHECKLIST = {
    "sitter_present": "yes",
    **NO_IDEATION,
    "fasted": "yes",
    "no_driving_until_tomorrow": "yes",
    "systolic_mmhg": "120",
    "diastolic_mmhg": "80",
    "heart_rate_bpm": "70",
}
CHECK_IN = {
    "feeling": "well",
    "post_systolic_mmhg": "124",
    "post_diastolic_mmhg": "80",
    **{f"cadss6_{n}": "0" for n in range(1, 7)},
}


def text(response: HttpResponse) -> str:
    return response.content.decode()


def external_urls(html: str) -> list[str]:
    """Every src/href/action pointing off the site (http, https or protocol-relative)."""
    return re.findall(r'(?:src|href|action)="((?:https?:)?//[^"]*)"', html)


def texted_code(phone: str) -> str:
    """The last one-time code texted to `phone` (the outbox's message body)."""
    body = Notification.objects.filter(address=phone).order_by("-pk").values_list("body", flat=True)
    return str(body.first()).split("your code is ")[1][:6]
