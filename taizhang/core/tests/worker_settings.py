"""Settings for worker subprocesses in tests: the project's settings plus a test app with a slow job."""

from taizhang.settings import *  # noqa: F403
from taizhang.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "taizhang.core.tests.workerapp"]
