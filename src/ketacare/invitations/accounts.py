"""The account an invitation creates: inactive, no usable password, one role, a username.

The username is the email address on the record when it is free (what people remember),
else their name as letters and dots ("robin.sitter", "robin.sitter2"); the page where
they set their password shows it.
"""

from __future__ import annotations

from django.utils.text import slugify

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role

USERNAME_MAX = 150


def _taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def username_for(name: str, email: str) -> str:
    if email and len(email) <= USERNAME_MAX and not _taken(email.lower()):
        return email.lower()
    base = slugify(name).replace("-", ".")[: USERNAME_MAX - 6] or "member"
    candidate, number = base, 1
    while _taken(candidate):
        number += 1
        candidate = f"{base}{number}"
    return candidate


def new_account(clinic: Clinic, role: Role, *, name: str, email: str) -> User:
    first, _, last = name.strip().partition(" ")
    user = User(
        username=username_for(name, email),
        clinic=clinic,
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        is_active=False,
    )
    user.set_unusable_password()
    user.save()
    RoleGrant.objects.create(user=user, role=role)
    user.forget_roles()
    return user
