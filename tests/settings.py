"""Test settings: the real settings, with a fast password hasher and in-memory email."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("EMAIL_URL", "memory:")
os.environ.setdefault("KETACARE_AUDIT_KEY", "test-audit-key-not-for-production-0123456789")
# Each test's database rolls back, a file would not: audit checkpoints are off, and the
# audit tests turn them on with a file of their own (tests/audit/conftest.py).
os.environ.setdefault("KETACARE_AUDIT_CHECKPOINT_FILE", "")

from ketacare.settings import *  # noqa: F403

# The audit tables refuse the flush that empties them between transactional tests; the
# test backends lift that guard for the flush only (tests/audit/backends).
_TEST_BACKENDS = {
    "django.db.backends.sqlite3": "tests.audit.backends.sqlite3",
    "django.db.backends.postgresql": "tests.audit.backends.postgresql",
}
DATABASES["default"]["ENGINE"] = _TEST_BACKENDS[DATABASES["default"]["ENGINE"]]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests move the clock by hours between two requests of one sign-in: the idle sign-out
# would end them. tests/web/test_signin.py turns it on to test it.
KETACARE_IDLE_SIGN_OUT = False
