"""Settings for the test suite: SQLite by default, PostgreSQL when TAIZHANG_TEST_DATABASE_URL is set."""

import os
import tempfile

os.environ["TAIZHANG_TESTING"] = "1"
os.environ.setdefault("TAIZHANG_DATA_DIR", tempfile.mkdtemp(prefix="taizhang-test-"))
if os.environ.get("TAIZHANG_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TAIZHANG_TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)

from taizhang.settings import *  # noqa: F403
from taizhang.settings import DATA_DIR, DATABASES

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = str(DATA_DIR / "test.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TAIZHANG_JOBS_EAGER = True
# Each xdist worker its own media folder: the data directory is shared by the workers (the controller creates it),
# and tests that compare the files on disk must not see another worker's uploads.
MEDIA_ROOT = DATA_DIR / "media" / os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Security controls stay on in the suite, with three exceptions that tests of those controls switch back on
# (taizhang/accounts/tests, core/tests/test_security_*.py): other apps' tests log administrators in with
# force_login (no second factor), share user ids across tests within one minute of API calls, and run fast.
TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = False
TAIZHANG_API_RATE = "100000/min"
TAIZHANG_API_ANON_RATE = "100000/min"
