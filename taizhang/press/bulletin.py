"""The quarterly new-media bulletin (政务新媒体检查情况通报) and the correspondents' annual list, as
`reports.document.Document`s written by the shared GB/T 9704 writer. Every number is a Figure from
`ledger.figures.compute` over the press providers, so check-report recomputes it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from taizhang.core.periods import Period
from taizhang.ledger.figures import FigureResult, compute
from taizhang.org.models import Unit
from taizhang.press import rules
from taizhang.press.models import PLATFORM_NAMES, AccountCheck
from taizhang.reports.document import Document, Figure, Paragraph, Table


class _Figures:
    def __init__(self, owner: Unit, period: Period) -> None:
        self.owner, self.period, self.ids = owner, period, count(1)

    def get(self, metric: str, unit: Unit | None = None, text: str | None = None, **filters: Any) -> Figure:
        result: FigureResult = compute(metric, period=self.period, unit=unit or self.owner, filters=filters or None)
        source = result.source()
        source["unit_name"] = (unit or self.owner).name
        return Figure(f"f{next(self.ids)}", text if text is not None else result.text, result.value, source)

    def bare(self, metric: str, unit: Unit | None = None, **filters: Any) -> Figure:
        """The number alone (in a table cell whose header names the measure)."""
        result = compute(metric, period=self.period, unit=unit or self.owner, filters=filters or None)
        text = (
            result.text[: -len(result.metric.measure_word)]
            if result.metric.measure_word and result.text.endswith(result.metric.measure_word)
            else result.text
        )
        source = result.source()
        source["unit_name"] = (unit or self.owner).name
        return Figure(f"f{next(self.ids)}", text, result.value, source)


def _area(owner: Unit) -> str:
    return "全市" if owner.kind == Unit.Kind.CITY else "全区"


def newmedia_bulletin(owner: Unit, period: Period, *, issued_on: datetime.date) -> Document:
    f = _Figures(owner, period)
    area = _area(owner)
    blocks: list[Any] = []
    blocks.append(
        Paragraph(
            "body",
            [
                f"为落实《政府网站与政务新媒体检查指标》要求，{period.label}{owner.short_name or owner.name}"
                f"对{area}政务新媒体开展了检查。现将有关情况通报如下。"
            ],
        )
    )
    blocks.append(Paragraph("heading1", ["一、总体情况"]))
    blocks.append(
        Paragraph(
            "body",
            [
                f"截至期末，{area}在运行政务新媒体账号",
                f.get("newmedia_accounts"),
                "。本期共检查",
                f.get("newmedia_checks"),
                "，合格率",
                f.get("newmedia_pass_rate"),
                "；期末长期未更新（两周内无更新）账号",
                f.get("newmedia_dormant"),
                "。",
            ],
        )
    )
    blocks.append(
        Paragraph(
            "body",
            [
                "本期各账号发文",
                f.get("newmedia_posts"),
                "，阅读量",
                f.get("newmedia_reads"),
                "（阅读、点赞、关注等数据仅作情况描述，不作为对单位考核排名的依据）。",
            ],
        )
    )

    blocks.append(Paragraph("heading1", ["二、分平台情况"]))
    rows: list[list[Any]] = []
    for key, name in PLATFORM_NAMES.items():
        accounts = f.bare("newmedia_accounts", platform=key)
        if accounts.value == 0:
            continue
        rows.append(
            [name, accounts, f.bare("newmedia_checks", platform=key), f.bare("newmedia_pass_rate", platform=key)]
        )
    if rows:
        blocks.append(
            Table(
                caption="分平台检查情况",
                header=["平台", "账号数（个）", "检查（次）", "合格率（%）"],
                rows=rows,
                col_widths=[3, 2, 2, 2],
            )
        )
    else:
        blocks.append(Paragraph("body", ["本期无运行中的账号。"]))

    blocks.append(Paragraph("heading1", ["三、分单位情况"]))
    unit_rows: list[list[Any]] = []
    for child in Unit.objects.filter(parent=owner, is_active=True).order_by("sort_order", "code"):
        checks = f.bare("newmedia_checks", unit=child)
        if checks.value == 0:
            continue
        unit_rows.append(
            [child.name, f.bare("newmedia_accounts", unit=child), checks, f.bare("newmedia_pass_rate", unit=child)]
        )
    if unit_rows:
        blocks.append(
            Table(
                caption="各单位检查情况",
                header=["单位", "账号数（个）", "检查（次）", "合格率（%）"],
                rows=unit_rows,
                col_widths=[4, 2, 2, 2],
            )
        )
    else:
        blocks.append(Paragraph("body", ["本期未对下属单位账号开展检查。"]))

    failed = (
        AccountCheck.objects.filter(
            check_date__range=(period.start, period.end),
            recheck_of__isnull=True,
            result=AccountCheck.Result.FAILED,
            account__unit__path__startswith=owner.path,
        )
        .select_related("account__unit")
        .order_by("account__unit__path", "account__name")
    )
    blocks.append(Paragraph("heading1", ["四、存在的问题"]))
    if failed:
        for check in failed:
            items = "、".join(v["name"] for k, v in check.items.items() if v.get("failed"))
            veto = "（单项否决）" if check.vetoed else ""
            blocks.append(Paragraph("body", [f"{check.account.unit.name}{check.account}：{items}{veto}。"]))
    else:
        blocks.append(Paragraph("body", ["本期抽查账号均合格。"]))
    blocks.append(Paragraph("heading1", ["五、工作要求"]))
    blocks.append(
        Paragraph(
            "body",
            [
                "各单位要严格落实“先审后发”制度，保持账号正常更新和互动回应；对检查中发现的问题，主办单位要限期整改，"
                "整改情况报区委宣传部，复查合格后销号。对长期未更新、无力维护的账号，要按程序备案后暂停或关停。"
            ],
        )
    )
    return Document(
        title=f"关于{period.label}{area}政务新媒体检查情况的通报",
        blocks=blocks,
        issuer=owner.name,
        date=issued_on,
        meta={
            "kind": "newmedia_bulletin",
            "period": period.spec,
            "unit": owner.code,
            "warning_days": rules.WARNING_DAYS,
            "dormant_days": rules.DORMANT_DAYS,
        },
    )


def correspondents_list(owner: Unit, year: int, *, issued_on: datetime.date, top: int = 10) -> Document:
    """The year's outstanding correspondents: points (each story once at its highest level) and adopted pieces."""
    from taizhang.press.actions.correspondents import outstanding

    period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year), "year")
    f = _Figures(owner, period)
    unit_ids = list(Unit.objects.filter(path__startswith=owner.path).values_list("id", flat=True))
    best = outstanding(year, top=top, unit_ids=unit_ids)
    blocks: list[Any] = [
        Paragraph(
            "body",
            [
                f"{year}年，{_area(owner)}通讯员队伍共投稿",
                f.get("correspondent_submissions"),
                "，被各级媒体采用",
                f.get("correspondent_adopted"),
                "，其中中央级",
                f.get("correspondent_adopted", level="national"),
                "、省级",
                f.get("correspondent_adopted", level="provincial"),
                f"。经统计积分（同一稿件按最高级别计一次），评选出{year}年度优秀通讯员如下。",
            ],
        )
    ]
    rows: list[list[Any]] = []
    for i, score in enumerate(best, 1):
        ids = score.submissions
        points = Figure(
            f"p{i}",
            f"{score.points.normalize():f}",
            score.points,
            {
                "kind": "correspondent_points",
                "label": f"{score.correspondent.name}积分",
                "unit": score.correspondent.unit.code,
                "unit_name": score.correspondent.unit.name,
                "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                "value": str(score.points),
                "records": ids,
                "correspondent": score.correspondent.pk,
            },
        )
        rows.append([score.correspondent.name, score.correspondent.unit.name, points])
    if rows:
        blocks.append(
            Table(
                caption=f"{year}年度优秀通讯员",
                header=["姓名", "单位", "积分"],
                rows=rows,
                col_widths=[2, 4, 2],
            )
        )
    else:
        blocks.append(Paragraph("body", ["本年度暂无稿件被采用的通讯员。"]))
    return Document(
        title=f"关于表扬{year}年度优秀通讯员的通报",
        blocks=blocks,
        issuer=owner.name,
        date=issued_on,
        meta={"kind": "correspondents_list", "year": year, "unit": owner.code},
    )


def recompute_points(source: dict[str, Any], cache: dict[Any, Any]) -> Any:
    """check-report: one correspondent's points for the period, computed afresh (registered in PressConfig)."""
    from taizhang.core.periods import parse_period
    from taizhang.press.actions.correspondents import scores
    from taizhang.reports.sources import Recomputed

    period_data = source.get("period") or {}
    period = parse_period(f"{period_data.get('start')}..{period_data.get('end')}")
    person = int(source.get("correspondent") or 0)
    key = ("press_scores", period.start, period.end)
    if key not in cache:
        cache[key] = {s.correspondent.pk: s for s in scores(period)}
    found = cache[key].get(person)
    if found is None:
        return Recomputed(Decimal(0), records=())
    return Recomputed(found.points, records=tuple(found.submissions))
