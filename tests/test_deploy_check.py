"""`DEBUG=0 ketacare check --deploy` with the production settings of the README: no warning.

Run as a clinic would, in a fresh process with only the documented variables set (the
README's "Production settings"), and with a warning counted as a failure.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KETACARE = Path(sys.executable).with_name("ketacare")


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The README's production settings, with made-up secrets and a throwaway database."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "KETACARE_AUDIT_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "clinic.example.org",
        "KETACARE_SITE_URL": "https://clinic.example.org",
        "SECURE_SSL_REDIRECT": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ketacare.sqlite3'}",
    }


def check_deploy(environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(KETACARE)] if KETACARE.exists() else [sys.executable, str(ROOT / "manage.py")]
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [*command, "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.slow
def test_check_deploy_with_the_production_settings_shows_no_warning(tmp_path: Path) -> None:
    result = check_deploy(production_environment(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@pytest.mark.slow
def test_check_deploy_warns_without_https(tmp_path: Path) -> None:
    """The check is real: leaving out a production setting is reported."""
    environment = production_environment(tmp_path) | {"SECURE_SSL_REDIRECT": "0"}
    result = check_deploy(environment, tmp_path)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr
