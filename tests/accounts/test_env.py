"""The settings helpers in ketacare.env: typed, loud readers of the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ketacare.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE = Path("/srv/ketacare-data")


# --- env_str, env_bool -----------------------------------------------------------------------


def test_env_str_trims_and_falls_back_to_the_default() -> None:
    assert env_str("NAME", "dflt", environ={"NAME": "  value \n"}) == "value"
    assert env_str("NAME", "dflt", environ={}) == "dflt"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "True", "yes", "YES", "on", "On", " yes "])
def test_env_bool_true(raw) -> None:
    assert env_bool("FLAG", default=False, environ={"FLAG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "False", "no", "NO", "off", "OFF", ""])
def test_env_bool_false(raw) -> None:
    assert env_bool("FLAG", default=True, environ={"FLAG": raw}) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_gives_the_default(default) -> None:
    assert env_bool("FLAG", default=default, environ={"OTHER": "1"}) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled", "tru"])
def test_env_bool_rejects_anything_else_naming_the_variable(raw) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_bool("DEBUG", default=False, environ={"DEBUG": raw})
    message = str(excinfo.value)
    assert "DEBUG" in message
    assert repr(raw) in message


# --- env_int, env_list -----------------------------------------------------------------------


def test_env_int_parses_and_defaults() -> None:
    assert env_int("N", 5, environ={"N": " 42 "}) == 42
    assert env_int("N", 5, environ={"N": "-3"}) == -3
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "  "}) == 5


@pytest.mark.parametrize("raw", ["abc", "1.5", "ten", "0x10", "4 2"])
def test_env_int_rejects_non_numbers_naming_the_variable(raw) -> None:
    with pytest.raises(ImproperlyConfigured, match="WORKERS") as excinfo:
        env_int("WORKERS", 2, environ={"WORKERS": raw})
    assert "whole number" in str(excinfo.value)


def test_env_int_enforces_the_minimum() -> None:
    assert env_int("WORKERS", 2, minimum=1, environ={"WORKERS": "1"}) == 1
    with pytest.raises(ImproperlyConfigured, match="WORKERS=0 must be at least 1"):
        env_int("WORKERS", 2, minimum=1, environ={"WORKERS": "0"})
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("WORKERS", 2, minimum=0, environ={"WORKERS": "-1"})


def test_env_list_splits_and_trims() -> None:
    environ = {"HOSTS": " a.example , b.example,,c ,"}
    assert env_list("HOSTS", ["x"], environ=environ) == ["a.example", "b.example", "c"]
    assert env_list("HOSTS", ["x"], environ={}) == ["x"]
    assert env_list("HOSTS", ["x"], environ={"HOSTS": ""}) == []
    assert env_list("HOSTS", ["x"], environ={"HOSTS": "solo"}) == ["solo"]


# --- env_secret ------------------------------------------------------------------------------


def test_env_secret_reads_the_variable() -> None:
    assert env_secret("SECRET_KEY", environ={"SECRET_KEY": " s3cret \n"}) == "s3cret"
    assert env_secret("SECRET_KEY", environ={}) is None
    assert env_secret("SECRET_KEY", environ={"SECRET_KEY": ""}) is None


def test_env_secret_reads_the_file(tmp_path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file\n", encoding="utf-8")
    assert env_secret("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "from-a-file"


def test_env_secret_rejects_both(tmp_path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-file", encoding="utf-8")
    environ = {"SECRET_KEY": "inline", "SECRET_KEY_FILE": str(secret)}
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY or SECRET_KEY_FILE, not both"):
        env_secret("SECRET_KEY", environ=environ)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_env_secret_rejects_an_unreadable_file(tmp_path, kind) -> None:
    path = tmp_path / "nope" if kind == "missing" else tmp_path
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY_FILE=.*cannot be read"):
        env_secret("SECRET_KEY", environ={"SECRET_KEY_FILE": str(path)})


def test_env_secret_rejects_an_empty_file(tmp_path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("  \n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=r"SECRET_KEY_FILE=.*is empty"):
        env_secret("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)})


# --- env_database ----------------------------------------------------------------------------


def _db(url: str) -> dict[str, object]:
    return env_database(
        "DATABASE_URL", "sqlite:///default.db", base_dir=BASE, environ={"DATABASE_URL": url}
    )


def test_sqlite_relative_path_is_resolved_under_base_dir() -> None:
    config = _db("sqlite:///ketacare.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(BASE / "ketacare.sqlite3")


def test_sqlite_gets_wal_and_immediate_transactions() -> None:
    config = _db("sqlite:////var/lib/ketacare/db.sqlite3")
    assert config["NAME"] == "/var/lib/ketacare/db.sqlite3"
    options = config["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    assert "PRAGMA foreign_keys=ON" in options["init_command"]
    assert config["CONN_MAX_AGE"] == 0


def test_sqlite_in_memory_stays_in_memory() -> None:
    assert _db("sqlite:///:memory:")["NAME"] == ":memory:"


def test_the_default_is_used_when_unset() -> None:
    config = env_database("DATABASE_URL", "sqlite:///default.db", base_dir=BASE, environ={})
    assert config["NAME"] == str(BASE / "default.db")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_url(scheme) -> None:
    config = _db(f"{scheme}://kc:pw@db.internal:5433/ketacare")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "ketacare"
    assert config["HOST"] == "db.internal"
    assert config["PORT"] == 5433
    assert config["USER"] == "kc"
    assert config["PASSWORD"] == "pw"
    assert config["CONN_MAX_AGE"] == 60
    assert "init_command" not in config.get("OPTIONS", {})  # the SQLite pragmas are not sent


def test_mysql_is_rejected_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as excinfo:
        _db("mysql://user:pw@db/ketacare")
    assert "SQLite or PostgreSQL" in str(excinfo.value)


@pytest.mark.parametrize("url", ["garbage", "", "postgres://h:notaport/db", "oops://x/y"])
def test_garbage_is_rejected_naming_the_variable(url) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        _db(url)


@pytest.mark.parametrize(
    "url", ["mysql://kc:s3cret-pw@db/ketacare", "postgres://kc:s3cret-pw@db:notaport/ketacare"]
)
def test_a_rejected_url_never_shows_its_password(url) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        _db(url)
    assert "s3cret-pw" not in str(excinfo.value)
    assert "kc:****@db" in str(excinfo.value)


def test_a_rejected_email_url_never_shows_its_password() -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env_email("EMAIL_URL", "console:", environ={"EMAIL_URL": "bogus://me:s3cret-pw@mail:25"})
    assert "s3cret-pw" not in str(excinfo.value)


# --- env_email -------------------------------------------------------------------------------


def test_console_email() -> None:
    config = env_email("EMAIL_URL", "smtp://x", environ={"EMAIL_URL": "console:"})
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_smtp_email() -> None:
    config = env_email("EMAIL_URL", "console:", environ={"EMAIL_URL": "smtp://user:pw@host:587"})
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert config["EMAIL_HOST"] == "host"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_USER"] == "user"
    assert config["EMAIL_HOST_PASSWORD"] == "pw"


def test_email_default_when_unset() -> None:
    config = env_email("EMAIL_URL", "console:", environ={})
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("url", ["carrier-pigeon://loft", "garbage"])
def test_unknown_email_scheme_is_rejected_naming_the_variable(url) -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        env_email("EMAIL_URL", "console:", environ={"EMAIL_URL": url})


# --- importing the real settings -------------------------------------------------------------


def _import_settings(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "DJANGO_SETTINGS_MODULE", "STATIC_ROOT"}
    }
    env.update(overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import ketacare.settings as s; print(s.DEBUG, len(s.SECRET_KEY), s.STATIC_ROOT)",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_refuse_to_start_without_a_secret_key(tmp_path) -> None:
    result = _import_settings(tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_refuse_a_debug_typo(tmp_path) -> None:
    result = _import_settings(tmp_path, DEBUG="maybe", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DEBUG='maybe'" in result.stderr


def test_settings_start_with_a_secret_key_file(tmp_path) -> None:
    # The control for the two failures above: the same import works once configured.
    secret = tmp_path / "secret"
    secret.write_text("x" * 50, encoding="utf-8")
    result = _import_settings(tmp_path, SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr
    # STATIC_ROOT stays unset unless asked for: WhiteNoise serves from the apps.
    assert result.stdout.split() == ["False", "50", "None"]


def test_settings_without_a_secret_key_start_in_debug(tmp_path) -> None:
    result = _import_settings(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


# --- every KETACARE_* setting: declared once, in settings.py, from the environment ----------

SRC = Path(__file__).resolve().parents[2] / "src" / "ketacare"


def test_every_ketacare_setting_is_declared_once_in_settings_from_the_environment() -> None:
    settings_py = (SRC / "settings.py").read_text(encoding="utf-8")
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bKETACARE_[A-Z0-9_]*[A-Z0-9]\b", text))
        # A default written beside a read would be a second declaration.
        assert not re.search(r"getattr\(\s*settings,\s*[\"']KETACARE_", text), path
    assert used
    for name in sorted(used):
        # env_secret("X") reads X or the file named by X_FILE: X_FILE is declared with X.
        base = name.removesuffix("_FILE")
        if base != name and f'env_secret("{base}")' in settings_py:
            name = base  # noqa: PLW2901
        assert len(re.findall(rf"env_\w+\(\s*\"{name}\"", settings_py)) == 1, name


def test_a_ketacare_setting_is_read_from_the_environment(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DEBUG="1", KETACARE_OUTBOX_BATCH="7", KETACARE_CHECK_IN_GRACE_MIN="15")
    code = (
        "import ketacare.settings as s; "
        "print(s.KETACARE_OUTBOX_BATCH, s.KETACARE_CHECK_IN_GRACE_MIN)"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "15"]
