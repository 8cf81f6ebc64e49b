"""The load benchmark's ceiling (benchmarks/load.py): ketacare's settings, one bare endpoint.

Loaded by `ketacare serve` with DJANGO_SETTINGS_MODULE=ceiling_settings (benchmarks/ on
PYTHONPATH), never by the product: the same server, middleware and database as the
clinic's, and a view that inserts one row and does nothing else.
"""

from ketacare.settings import *  # noqa: F403

ROOT_URLCONF = "ceiling_urls"
