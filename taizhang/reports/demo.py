"""Demo summaries: last year's annual summary of the district (a draft to edit) and this year's first half
(final), composed from the demo ledger exactly as `taizhang summary` would; and a template to fill."""

from __future__ import annotations

from taizhang.core.demo import DemoContext
from taizhang.core.periods import parse_period
from taizhang.org.models import Unit
from taizhang.reports import actions

DEMO_TEMPLATE = """20xx年上半年宣传思想文化工作总结
上半年，全区宣传思想文化工作坚持以习近平新时代中国特色社会主义思想为指导，为全区高质量发展提供了有力思想保证。
一、理论武装走深走实
区委理论学习中心组举行X次集中学习，邀请专家学者作辅导报告*场。打造“百姓宣讲”品牌，组织宣讲===场次，受众X余人次。
二、新闻舆论引导有力
上半年，全区对外宣传用稿X篇，其中省级及以上媒体用稿X篇。召开新闻发布会X场。监测发现并指导处置重要网络舆情*起。
三、文明实践遍地开花
组织开展志愿服务活动X次，服务时长X万小时。组织开展“我们的节日”等文明实践活动*余场。
四、下一步工作打算
下半年，继续深化理论武装，壮大主流舆论，推动文明实践常态化。
"""


def build(ctx: DemoContext) -> None:
    """Nothing yet: the summaries cite the other apps' figures too (cases, 随手拍, volunteers, honours…), which are
    made after this app's turn; they are composed in `finish`."""


def finish(ctx: DemoContext) -> None:
    """After every app's data: the summaries as `taizhang summary` would compose them, so their figures are the
    demo's final ones (composed earlier, the finalised half-year summary read as stale in check-report)."""
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        return
    staff = ctx.users.get("staff")
    last_year = ctx.today.year - 1
    annual = actions.compose_summary(acting_user=staff, unit=root, period=parse_period(str(last_year)))
    made = [annual]
    if ctx.today.month > 6:
        half = actions.compose_summary(acting_user=staff, unit=root, period=parse_period(f"{ctx.today.year}H1"))
        actions.finalize_summary(acting_user=staff, summary=half, expected_version=half.version)
        made.append(half)
    actions.create_template(acting_user=staff, owner=root, name="上半年工作总结范文（网上下载）", text=DEMO_TEMPLATE)
    ctx.log(f"工作总结 {len(made)} 份（{'、'.join(s.title for s in made)}），总结模板 1 个")
