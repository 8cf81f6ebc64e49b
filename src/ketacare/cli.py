"""The `ketacare` command: Django's management commands plus our own.

`ketacare run`, `ketacare demo --patients N` and `ketacare audit verify` are
management commands of the apps; everything else (`migrate`, `shell`, ...) is
passed straight through to Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    args = sys.argv[1:] if argv is None else argv
    execute_from_command_line(["ketacare", *args])


if __name__ == "__main__":
    main()
