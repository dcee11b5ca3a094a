from django.apps import AppConfig


class CivilityConfig(AppConfig):
    name = "taizhang.civility"
    label = "civility"
    verbose_name = "文明创建"

    def ready(self) -> None:
        from taizhang.civility import providers
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        register(
            MenuItem("测评得分", "civility:score", Cap.VIEW, "文明创建", 70),
            MenuItem("问题清单", "civility:problem_list", Cap.VIEW, "文明创建", 71),
            MenuItem("实地测评", "civility:inspect_start", Cap.REVIEW_RECORDS, "文明创建", 72),
            MenuItem("点位管理", "civility:site_list", Cap.VIEW, "文明创建", 73),
            MenuItem("督查计划", "civility:round_list", Cap.VIEW, "文明创建", 74),
            MenuItem("测评体系", "civility:framework_list", Cap.VIEW, "文明创建", 75),
            MenuItem("材料审核", "civility:document_list", Cap.VIEW, "文明创建", 76),
            MenuItem("问卷调查", "civility:survey_list", Cap.VIEW, "文明创建", 77),
            MenuItem("创建通报", "civility:bulletin_list", Cap.VIEW, "文明创建", 78),
            MenuItem("文明称号", "civility:title_list", Cap.VIEW, "文明创建", 79),
        )
        providers.register_all()
        self._register_case_kind()

    @staticmethod
    def _register_case_kind() -> None:
        try:
            from taizhang.cases.registry import CaseKind, register_kind
        except ImportError:  # the case loop is not installed yet: problems keep their own deadline
            return
        from django.urls import reverse

        from taizhang.civility.actions.problems import on_case_state_change

        register_kind(CaseKind(
            key="civility_problem", name="测评问题", sla_working_days=5, has_citizen=False,
            subject_url=lambda obj: reverse("civility:problem_detail", args=[obj.pk]),
            on_state_change=on_case_state_change, verified_by="区文明办测评人员", verify_word="复查",
        ))
