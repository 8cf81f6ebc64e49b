"""The clinician panel on a big clinic: run by benchmarks/run.py on the demo's database.

Target (issue 7: the panel is fast on 10,000 patients): the first page, and a page sorted
by each database-computed column, each served in under 1 s (the best of three requests
through Django's test client, templates included), with the same number of queries.
Needs DATABASE_URL (and DEBUG=1) of a database loaded by `ketacare demo --patients N`.
"""

from __future__ import annotations

import os
import sys
import time

import django

TARGET_S = 1.0
PAGES = (
    "",
    "?sort=-change",
    "?sort=-alerts",
    "?sort=-activity",
    "?sort=phq9&page=100",
    "?response=response&sort=-change",
    "?q=smith",
)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    django.setup()
    from django.conf import settings  # noqa: PLC0415 - after setup
    from django.db import connection, reset_queries  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415

    from ketacare.accounts.models import User  # noqa: PLC0415
    from ketacare.patients.models import Patient  # noqa: PLC0415

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = True  # to count the queries
    staff = next(
        u for u in User.objects.filter(clinic__isnull=False).order_by("pk") if u.is_clinic_staff
    )
    client = Client()
    client.force_login(staff)
    count = Patient.objects.filter(clinic_id=staff.clinic_id).count()
    failed = False
    for query in PAGES:
        path = reverse("ws-panel") + query
        best = float("inf")
        for _ in range(3):
            reset_queries()
            started = time.perf_counter()
            response = client.get(path)
            best = min(best, time.perf_counter() - started)
        ok = response.status_code == 200 and best < TARGET_S  # noqa: PLR2004 - HTTP OK
        failed |= not ok
        print(
            f"panel {path} on {count} patients: {best * 1000:.0f} ms, "
            f"{len(connection.queries)} queries (target < {TARGET_S * 1000:.0f} ms)"
            + ("" if ok else f"  FAILED (status {response.status_code})")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
