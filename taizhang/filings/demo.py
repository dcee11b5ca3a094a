"""Demo event filings: a year of lectures, forums and reading groups across the district in every state — one
changed after approval and re-approved, one filed late, one with an overseas speaker approved in advance — and two
events found held without filing, followed up as cases."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.filings import actions
from taizhang.filings.models import EventFiling, FilingStep

TOPICS = [("lecture", "学习贯彻党的二十届四中全会精神宣讲"), ("forum", "基层社会治理创新论坛"),
          ("reading", "“书香社区”读书分享会"), ("seminar", "非遗保护与文旅融合研讨会"),
          ("report", "先进事迹报告会"), ("salon", "青年创业沙龙"), ("lecture", "家庭教育公益讲座"),
          ("lecture", "老年人防诈骗知识讲座"), ("forum", "汾河生态保护论坛"), ("reading", "红色经典诵读会")]
HOSTS = ["JF01", "JF02", "YM01", "EDU", "CUL", "TW", "FL", "JF", "HT", "SCH1"]


class _Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime.datetime:
        return self.now


def build(ctx: DemoContext) -> None:
    units, users = ctx.units, ctx.users
    if "WBL" not in units or "staff" not in users:
        return
    staff, today, rng = users["staff"], ctx.today, ctx.rng
    clock = _Clock()
    reference = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))  # "now" in the demo
    saved = actions._now
    actions._now = clock  # the timeline is built at the times it happened
    try:
        for i in range(36):
            kind, topic = TOPICS[i % len(TOPICS)]
            code = HOSTS[i % len(HOSTS)]
            if code not in units:
                continue
            day = today + datetime.timedelta(days=-270 + i * 9)
            starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + i % 6, 30)))
            name = rng.choice(["王建华", "李秀英", "张伟", "刘洋", "陈静"])
            speakers: list[dict[str, Any]] = [{"name": name, "title": "宣讲员", "org": "区委宣讲团"}]
            extra: dict[str, Any] = {}
            if i == 5:
                speakers.append({"name": "Dr. Anna Müller", "title": "研究员", "org": "某国际研究机构",
                                 "overseas": True})
                extra["overseas_approval"] = "区外审〔2026〕7号"
            lead = actions.lead_days(kind)
            late = i % 11 == 4
            clock.now = starts - datetime.timedelta(days=1 if late else lead + 5)
            filing = actions.create_filing(
                acting_user=None, unit=units[code], kind=kind, topic=topic, starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2), place=f"{units[code].name}多功能厅",
                outline="一、主要内容\n二、组织方式\n三、安全保障", audience="辖区干部群众",
                audience_size=rng.randint(30, 200), speakers=speakers, **extra)
            if i == 35:
                continue  # a draft
            actions.submit_filing(acting_user=None, filing=filing)
            if i == 34:
                continue  # waiting for the host unit
            stages = 3
            for _ in range(stages):
                if filing.state not in actions.NEXT:
                    break
                clock.now += datetime.timedelta(hours=3)
                if i == 20 and filing.state == EventFiling.State.SUPERVISOR:
                    filing = actions.decide_filing(acting_user=None, filing=filing, approve=False,
                                                   reason="请补充安全保障措施")
                    break
                filing = actions.decide_filing(acting_user=staff if filing.state == "department" else None,
                                               filing=filing, approve=True)
            if i == 32 and filing.state == EventFiling.State.APPROVED:
                clock.now += datetime.timedelta(hours=1)
                filing = actions.update_filing(acting_user=None, filing=filing, expected_version=filing.version,
                                               place="区文化中心报告厅")
                filing = actions.decide_filing(acting_user=staff, filing=filing, approve=True)
            if filing.state == EventFiling.State.APPROVED and starts < reference:
                clock.now = starts + datetime.timedelta(hours=3)
                actions.record_held(acting_user=None, filing=filing, summary="活动按计划举办，秩序良好。",
                                    attendance=filing.audience_size - rng.randint(0, 10))
        clock.now = reference
        for code, kind, topic, days, source in (("YM02", "salon", "社区读书沙龙", 40, "placement"),
                                                 ("CUL", "lecture", "文化讲坛", 12, "monitoring")):
            if code in units:
                actions.report_unfiled(acting_user=staff, unit=units[code], kind=kind, topic=topic,
                                       held_on=today - datetime.timedelta(days=days), source=source)
    finally:
        actions._now = saved
    ctx.log(f"活动备案：{EventFiling.objects.count()} 件，进程 {FilingStep.objects.count()} 步")
