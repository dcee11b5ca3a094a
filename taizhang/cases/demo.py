"""Demo cases (工单) of every state across units, some overdue (and escalated), one sent back waiting for
arbitration, one with an extension request waiting; built through the actions on a clock set back in time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from taizhang.cases import actions
from taizhang.cases.escalation import escalate_overdue
from taizhang.core.demo import DemoContext


class _Clock:
    def __init__(self, ctx: DemoContext) -> None:
        self.today = ctx.today
        self.now = timezone.now()

    def at(self, days_ago: int, hour: int = 10) -> None:
        day = self.today - datetime.timedelta(days=days_ago)
        self.now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, (days_ago * 7) % 60)))

    def __call__(self) -> datetime.datetime:
        return self.now


def build(ctx: DemoContext) -> None:
    units, users = ctx.units, ctx.users
    needed = ("WBL", "JF", "JF01", "EDU")
    if any(code not in units for code in needed) or "staff" not in users:
        return
    staff = users["staff"]
    jf, jf01, edu = users.get("liaison_jf"), users.get("liaison_jf01"), users.get("liaison_edu")
    other = units.get("HT", units["JF"])
    clock = _Clock(ctx)
    saved: Callable[[], datetime.datetime] = actions._now
    actions._now = clock
    try:
        def dispatch(days_ago: int, unit: Any, title: str, description: str, sla: int | None = None) -> Any:
            clock.at(days_ago, 9)
            return actions.dispatch_case(acting_user=staff, kind="general", unit=unit, title=title,
                                         description=description, sla_days=sla)

        dispatch(1, units["JF01"], "建设社区宣传栏内容陈旧", "社区宣传栏仍为去年内容，请更新为本季度主题宣传。")

        late = dispatch(12, units["JF"], "解放街道主干道公益广告破损", "解放路沿线三处公益广告画面破损，请更换。", 3)
        clock.at(11)
        actions.accept_case(acting_user=jf, case=late)

        sent_back = dispatch(3, units["EDU"], "某小区门口占道经营", "群众反映小区门口早市占道经营，请核实处理。")
        clock.at(2)
        actions.send_back_case(acting_user=edu, case=sent_back, reason="占道经营属城管部门职责，不属教育局，请改派。")

        extend = dispatch(2, units["JF01"], "社区新时代文明实践站活动台账补齐", "请补齐上半年活动台账与照片。", 5)
        clock.at(1)
        actions.accept_case(acting_user=jf01, case=extend)
        actions.request_extension(acting_user=jf01, case=extend, until=(extend.deadline or ctx.today)
                                  + datetime.timedelta(days=7), reason="部分活动照片需向志愿者收集，需延期一周。")

        handled = dispatch(4, units["JF"], "背街小巷乱堆乱放", "解放街道某巷道堆放杂物，请清理并上传整改前后照片。")
        clock.at(3)
        actions.accept_case(acting_user=jf, case=handled)
        clock.at(2)
        actions.handle_case(acting_user=jf, case=handled, reply="已组织清理，共清运杂物两车。",
                            public_reply="巷道杂物已清理完毕，感谢群众监督。")

        ontime = dispatch(20, units["EDU"], "校园周边文明劝导", "请组织学校周边上下学时段文明劝导。")
        clock.at(19)
        actions.accept_case(acting_user=edu, case=ontime)
        clock.at(17)
        actions.handle_case(acting_user=edu, case=ontime, reply="已安排志愿者每日上下学时段劝导。")
        clock.at(16)
        actions.verify_case(acting_user=staff, case=ontime, passed=True, reason="现场核查属实")

        overdue_closed = dispatch(30, units["JF"], "公交站台小广告清理", "请清理辖区公交站台小广告。", 2)
        clock.at(24)
        actions.handle_case(acting_user=jf, case=overdue_closed, reply="已清理。")
        clock.at(23)
        actions.close_case(acting_user=staff, case=overdue_closed)

        reopened = dispatch(15, units["JF01"], "楼道堆物消防隐患", "请督促居民清理楼道堆物。")
        clock.at(13)
        actions.handle_case(acting_user=jf01, case=reopened, reply="已清理。")
        clock.at(12)
        actions.close_case(acting_user=staff, case=reopened)
        clock.at(3)
        actions.reopen_case(acting_user=staff, case=reopened, reason="复查发现楼道又有堆物，请彻底整改。")

        verified = dispatch(8, other, "村史馆讲解词更新", "请更新村史馆讲解词并报送。")
        clock.at(6)
        actions.handle_case(acting_user=None, case=verified, reply="讲解词已更新。")
        clock.at(5)
        actions.verify_case(acting_user=staff, case=verified, passed=True, close=False)

        clock.at(0, 8)
        actions.create_case(acting_user=staff, kind="general", unit=units["WBL"], title="群众来信：夜市噪音扰民",
                            description="待确定责任单位后派发。")
        cancelled = dispatch(6, units["EDU"], "重复登记：校园周边文明劝导", "与已有工单重复。")
        actions.cancel_case(acting_user=staff, case=cancelled, reason="与已有工单重复")
    finally:
        actions._now = saved
    steps = escalate_overdue(timezone.make_aware(datetime.datetime.combine(ctx.today, datetime.time(9, 0))))
    ctx.log(f"工单：各状态示例，逾期督办 {steps} 次")
