from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "taizhang.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        # Register core's job handlers (notice delivery, digest) and workbench panel (recent notices).
        from taizhang.core import notifications, workbench_notices  # noqa: F401
