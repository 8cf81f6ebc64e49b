"""The `ketacare` command: Django's management commands plus our own.

`ketacare serve`, `ketacare run`, `ketacare worker`, `ketacare demo --patients N`,
`ketacare audit verify` and `ketacare export` are management commands of the apps;
everything else (`migrate`, `shell`, ...) is passed straight through to Django.

A configuration that cannot load (no SECRET_KEY without DEBUG, a bad DATABASE_URL) is
said in one line naming what to set, not a traceback. Asking for help needs no
configuration: help alone loads the development settings, so ketacare's own commands are
listed too (nothing is served or written).
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured

HELP = frozenset({"help", "--help", "-h"})
# Exit status of a command that could not start for its configuration (as argparse's usage).
CONFIGURATION_ERROR = 2


def asks_for_help(args: list[str]) -> bool:
    return not args or args[0] in HELP or "--help" in args or "-h" in args


def configuration_problem() -> str | None:
    """Why the settings cannot load, or None. A failed load is tried again on next use."""
    from django.conf import settings  # noqa: PLC0415 - after DJANGO_SETTINGS_MODULE is set

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings module
    except ImproperlyConfigured as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    args = sys.argv[1:] if argv is None else argv
    problem = configuration_problem()
    if problem is not None:
        if not asks_for_help(args):
            sys.stderr.write(
                f"ketacare: {problem} See the README (Configuration) or docs/deployment.md.\n"
            )
            raise SystemExit(CONFIGURATION_ERROR)
        os.environ["DEBUG"] = "1"  # help only: list every command; nothing runs
        problem = configuration_problem()
        if problem is not None:
            sys.stderr.write(f"ketacare: {problem}\n")
    execute_from_command_line(["ketacare", *args])


if __name__ == "__main__":
    main()
