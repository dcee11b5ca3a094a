from django.apps import AppConfig


class WorkerTestConfig(AppConfig):
    """A test-only app whose jobs.py registers a slow job (installed only by worker_settings)."""

    name = "taizhang.core.tests.workerapp"
    label = "workerapp_test"
