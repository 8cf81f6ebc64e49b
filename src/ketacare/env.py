"""Typed readers for settings that come from the environment.

Each helper fails loudly (ImproperlyConfigured naming the variable and the bad
value) instead of guessing: a typo in DEBUG must not quietly leave it on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value.strip()


def env_bool(name: str, *, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Read NAME, or the file named by NAME_FILE (the way container secrets are mounted)."""
    value = _raw(name, environ)
    path = _raw(f"{name}_FILE", environ)
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            secret = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}.") from None
        if not secret:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} is empty.")
        return secret
    return value.strip() if value else None


def _redacted(url: str) -> str:
    """The URL with any password masked, for error messages that end up in logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def env_database(
    name: str, default: str, *, base_dir: Path, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    import dj_database_url  # noqa: PLC0415 - only settings need it

    url = env_str(name, default, environ)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"{name}={_redacted(url)!r} is not a database URL we know: {exc}"
        ) from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        db_name = str(config["NAME"])
        if db_name != ":memory:" and not Path(db_name).is_absolute():
            config["NAME"] = str(base_dir / db_name)
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing half-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
        config["CONN_MAX_AGE"] = 0
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{name}={_redacted(url)!r}: ketacare runs on SQLite or PostgreSQL, not {engine}."
        )
    return config


def env_email(name: str, default: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    import dj_email_url  # noqa: PLC0415 - only settings need it

    url = env_str(name, default, environ)
    try:
        parsed: dict[str, Any] = dict(dj_email_url.parse(url))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"{name}={_redacted(url)!r} is not an email URL we know: {exc}"
        ) from None
    if not parsed.get("EMAIL_BACKEND"):
        raise ImproperlyConfigured(f"{name}={_redacted(url)!r} names no known email backend.")
    return parsed


TWILIO_BACKEND = "ketacare.alerts.sms.TwilioSmsBackend"


def env_twilio(backend: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Twilio's settings when `backend` is the Twilio SMS backend ({} for any other).

    Fails closed: the Twilio backend without its account, token and sender refuses to
    start rather than dead-lettering every text message at the first alert.
    """
    if backend != TWILIO_BACKEND:
        return {}
    found = {
        "TWILIO_ACCOUNT_SID": env_str("TWILIO_ACCOUNT_SID", "", environ),
        "TWILIO_AUTH_TOKEN": env_secret("TWILIO_AUTH_TOKEN", environ) or "",
        "TWILIO_FROM": env_str("TWILIO_FROM", "", environ),
        "TWILIO_MESSAGING_SERVICE_SID": env_str("TWILIO_MESSAGING_SERVICE_SID", "", environ),
        # Tests only: a fake Twilio on 127.0.0.1 (empty: Twilio's own API).
        "TWILIO_API_BASE_URL": env_str("TWILIO_API_BASE_URL", "", environ),
    }
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not found[name]]
    if not (found["TWILIO_FROM"] or found["TWILIO_MESSAGING_SERVICE_SID"]):
        missing.append("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
    if missing:
        raise ImproperlyConfigured(
            f"KETACARE_SMS_BACKEND is Twilio: set {' and '.join(missing)} too."
        )
    if found["TWILIO_FROM"] and found["TWILIO_MESSAGING_SERVICE_SID"]:
        raise ImproperlyConfigured("Set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, not both.")
    return found
