from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "taizhang.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Register core's job handlers (notice delivery, digest) and workbench panels (recent notices, admin to-dos).
        from taizhang.core import notifications, workbench_panels  # noqa: F401
