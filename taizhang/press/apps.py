from django.apps import AppConfig


class PressConfig(AppConfig):
    name = "taizhang.press"
    label = "press"
    verbose_name = "新闻宣传与新媒体"

    def ready(self) -> None:
        from django.urls import reverse

        from taizhang.cases.registry import CaseKind, register_kind
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap
        from taizhang.press import providers

        register(
            MenuItem("新媒体账号", "press:account_list", Cap.VIEW, "新闻宣传", 60),
            MenuItem("账号检查", "press:check_list", Cap.VIEW, "新闻宣传", 61),
            MenuItem("发布审核", "press:review_list", Cap.VIEW, "新闻宣传", 62),
            MenuItem("新闻发布会", "press:conference_list", Cap.VIEW, "新闻宣传", 63),
            MenuItem("通讯员稿件", "press:submission_list", Cap.VIEW, "新闻宣传", 64),
        )
        register_kind(
            CaseKind(
                key="newmedia_rectification",
                name="新媒体整改",
                sla_working_days=5,
                subject_url=lambda check: reverse("press:check_detail", args=[check.pk]),
                description="政务新媒体检查不合格，由主办单位整改，复查合格后销号",
            )
        )
        providers.register_all()
        from taizhang.reports.sources import register_recompute

        register_recompute("correspondent_points", "taizhang.press.bulletin:recompute_points")
