"""`{% if request.user|may:"read_plans" %}`: a link only for those who may follow it.

The roles come from kernel.policy, the table the services and pages check.
"""

from __future__ import annotations

from typing import Any

from django import template

from ketacare.kernel import policy

register = template.Library()


@register.filter
def may(user: Any, use_case: str) -> bool:
    return policy.may(user, use_case)
