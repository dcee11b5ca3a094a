"""Start-up check: every source kind a document can cite has a recompute function (`reports.sources`), so
check-report never meets a figure it cannot verify because a module is missing."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register


@register()
def recompute_registry(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from taizhang.reports import sources

    return [
        Error(f"文件可引用的数据来源类型“{kind}”没有可用的重新计算函数：{why}",
              hint="在该应用的 AppConfig.ready() 中调用 taizhang.reports.sources.register_recompute(kind, fn)。",
              id="taizhang.reports.E001")
        for kind, why in sources.missing_recompute().items()
    ]
