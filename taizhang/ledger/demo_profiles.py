"""Per-unit-type profiles of the demo ledger: how often each kind of unit does each activity in a year, and the size
of each event, so that the district's yearly totals land in the magnitudes the department summaries report.

Grounding (/work/shared/seeds, TAXONOMY.md). The seeds hide most digits (X, *, x) but keep the shape and the
order of magnitude of what a district or city counts in a year or half-year:
- 理论武装: "理论学习中心组…开展X次集体学习" (a district centre group meets about monthly), "*名成员作交流发言"
  (a few speakers per session, never more than those present);
- 理论宣讲: "学习宣讲活动X余场次", "‘理论+百姓’宣讲*场次，受众*余人" — hundreds of events a year district-wide,
  tens to a few hundred listeners each;
- 对外宣传: "省级以上主流媒体持续刊播重点报道X余篇", "省级及以上媒体用稿*篇，市级媒体用稿*篇" — a pyramid:
  central outlets dozens, provincial hundreds, municipal more;
- 新闻发布: "X余场新闻发布会，累计邀请中央、省、市媒体记者X余人次" — ten to twenty a year;
- 网络舆情: "监测发现并指导处置…重要网络舆情*起，其他负面网络舆情58起" (half a year, a city) — a district has a
  few major and dozens of negative incidents a year, answered within hours ("24小时全网巡查");
- 精神文明: "评选表彰X名‘高新好人’，X人入选‘X好人’" — a handful of 好人 a year; "全区各级文明单位总数达到X个"
  (a stock of about a hundred and fifty); 整改 follows 发现 ("查找存在的短板…并完成整改");
- 文化惠民: "一村一年一场戏", "放映公益电影X余场，受益群众X万多人次" — one show per village a year, a film a
  month in villages, audiences of hundreds;
- 文化产业: "项目总投资X亿元", "消费券使用X万元", "获省级扶持资金X万元" — 亿元 only for district projects, 万元
  for funding and vouchers;
- 志愿服务: "活动时长*万余小时" — tens of thousands of hours a year.

`per_year` maps a unit kind (or a demo unit code, which wins) to the range of events a year for ONE unit of that
kind; fractional ranges mean "some years" (0–0.5: one every other year on average). `figures` are per event,
`by_kind` overrides them for a kind or code, `ratios` derive a figure from another (speakers from participants,
rectified from found, adopted from submitted) so related figures stay consistent. `optional` gives the chance an
optional figure is filled at all. Stock figures (`stocks`) of monthly/quarterly statistics start in a range per
unit and grow by `stock_growth` a month.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Range = tuple[float, float]

# Month weights (Jan…Dec): fewer events around the Spring Festival and in August, more before the year end.
SEASON = (0.7, 0.45, 1.0, 1.05, 1.0, 1.15, 1.0, 0.6, 1.0, 0.85, 1.15, 1.25)
LECTURE_SEASON = (0.6, 0.4, 1.0, 1.0, 1.0, 1.3, 1.4, 0.6, 0.9, 0.9, 1.4, 1.2)  # 七一, after the autumn plenum
VOLUNTEER_SEASON = (0.7, 0.5, 1.8, 1.0, 1.0, 1.0, 0.9, 0.7, 1.0, 0.9, 1.0, 1.1)  # 学雷锋 in March
READING_SEASON = (0.5, 0.4, 0.9, 2.2, 1.0, 0.9, 1.1, 1.0, 0.9, 0.8, 1.0, 0.8)  # 世界读书日 23 April
FILM_SEASON = (0.4, 0.4, 0.6, 0.9, 1.1, 1.3, 1.4, 1.3, 1.2, 1.0, 0.6, 0.4)  # open-air films in summer
SHOW_SEASON = (1.4, 1.2, 0.8, 0.8, 1.0, 0.9, 0.9, 0.6, 1.2, 1.3, 0.9, 0.8)  # 春节惠民演出, 国庆
YEAR_END = (0.2, 0.2, 0.3, 0.3, 0.4, 0.6, 0.5, 0.3, 0.6, 0.8, 2.0, 2.5)  # namings, awards, subscriptions


@dataclass(frozen=True)
class Profile:
    key: str  # activity type key (ledger/defaults/taxonomy.json)
    per_year: Mapping[str, Range] = field(default_factory=dict)
    figures: Mapping[str, Range] = field(default_factory=dict)
    by_kind: Mapping[str, Mapping[str, Range]] = field(default_factory=dict)
    ratios: Mapping[str, tuple[str, float, float]] = field(default_factory=dict)
    optional: Mapping[str, float] = field(default_factory=dict)
    cadence: str = "event"  # event | monthly | quarterly
    stocks: Mapping[str, Mapping[str, Range]] = field(default_factory=dict)  # metric → kind → start range
    stock_growth: float = 0.008
    season: tuple[float, ...] = SEASON
    workdays: bool = False  # meetings and trainings fall on working days
    festival: bool = False  # dated at the traditional festivals (我们的节日)
    decimals: Mapping[str, int] = field(default_factory=dict)  # decimal places of decimal figures


GRASSROOTS_STREETS = ("street", "town")
OFFICES = ("bureau", "school", "enterprise")

PROFILES: tuple[Profile, ...] = (
    # 理论武装 — "中心组开展X次集体学习", "*名成员作交流发言" (speakers ≤ participants)
    Profile(
        "theory_group_study",
        workdays=True,
        per_year={
            "district": (12, 15),
            "street": (10, 12),
            "town": (9, 12),
            "bureau": (8, 11),
            "school": (6, 9),
            "enterprise": (6, 9),
        },
        figures={"theory_participants": (12, 28)},
        by_kind={"district": {"theory_participants": (22, 34)}},
        ratios={"theory_speeches": ("theory_participants", 0.12, 0.3)},
    ),
    Profile(
        "theory_report",
        workdays=True,
        per_year={"district": (4, 7), "street": (2, 4), "town": (1, 3), "bureau": (1, 3)},
        figures={"theory_participants": (40, 150)},
        by_kind={"district": {"theory_participants": (150, 380)}},
    ),
    Profile(
        "theory_seminar",
        workdays=True,
        per_year={"district": (3, 5), "street": (2, 4), "town": (2, 3), "bureau": (2, 4), "school": (1, 3)},
        figures={"theory_participants": (15, 45)},
        ratios={"theory_speeches": ("theory_participants", 0.15, 0.4)},
    ),
    Profile(
        "theory_reading_class",
        workdays=True,
        per_year={"district": (1, 2), "street": (0, 0.6), "bureau": (0, 0.4)},
        figures={"theory_participants": (40, 120)},
    ),
    # 理论宣讲 — "宣讲活动X余场次", "宣讲*场次，受众*余人": hundreds a year, tens to hundreds of listeners
    Profile(
        "lecture_event",
        season=LECTURE_SEASON,
        per_year={
            "district": (18, 26),
            "street": (16, 26),
            "town": (14, 22),
            "community": (5, 8),
            "village": (4, 7),
            "bureau": (3, 7),
            "school": (2, 5),
            "enterprise": (1, 3),
        },
        figures={"lecture_audience": (40, 160)},
        by_kind={
            "district": {"lecture_audience": (150, 480)},
            "community": {"lecture_audience": (25, 90)},
            "village": {"lecture_audience": (30, 110)},
            "school": {"lecture_audience": (100, 400)},
        },
    ),
    Profile(
        "lecture_folk",
        season=LECTURE_SEASON,
        per_year={"community": (3, 6), "village": (3, 6), "street": (4, 8), "town": (4, 8)},
        figures={"lecture_audience": (20, 80)},
    ),
    Profile(
        "lecture_micro_lesson",
        season=LECTURE_SEASON,
        per_year={"bureau": (3, 6), "school": (3, 6), "enterprise": (2, 4), "street": (2, 4)},
        figures={"lecture_audience": (15, 60)},
    ),
    # 学习平台 — "学员总数X人，完成率X%", "每周对学习强国学习情况进行通报"
    Profile(
        "study_stats",
        cadence="monthly",
        per_year=dict.fromkeys((*GRASSROOTS_STREETS, *OFFICES), (1, 1)),
        stocks={
            "study_learners": {
                "street": (1500, 3500),
                "town": (1000, 2500),
                "bureau": (120, 600),
                "school": (80, 200),
                "enterprise": (200, 800),
            }
        },
        figures={"study_registration_rate": (88, 98), "study_completion_rate": (70, 95)},
        decimals={"study_registration_rate": 1, "study_completion_rate": 1},
        stock_growth=0.006,
    ),
    Profile("study_bulletin", workdays=True, per_year={"district": (40, 46)}),
    Profile(
        "study_article",
        per_year={"district": (30, 45), "street": (8, 14), "town": (6, 10), "bureau": (3, 8), "school": (2, 5)},
    ),
    # 意识形态 — "每季度召开全区意识形态工作联席会议", "开展*轮督查…并完成整改" (整改 ≤ 发现)
    Profile("ideology_meeting", workdays=True, per_year={"district": (4, 4), "street": (2, 4), "town": (2, 4)}),
    Profile(
        "ideology_inspection",
        workdays=True,
        per_year={"district": (2, 3)},
        figures={"ideology_issues_found": (8, 24)},
        ratios={"ideology_issues_rectified": ("ideology_issues_found", 0.8, 1.0)},
    ),
    Profile(
        "ideology_rectification",
        workdays=True,
        per_year={"district": (1, 2), "street": (0, 0.5)},
        figures={"ideology_issues_found": (5, 14)},
        ratios={"ideology_issues_rectified": ("ideology_issues_found", 0.85, 1.0)},
    ),
    Profile("ideology_letter", workdays=True, per_year={"district": (4, 7)}),
    Profile("ideology_filing", workdays=True, per_year={"district": (10, 18), "bureau": (1, 3), "school": (1, 2)}),
    # 对外宣传: see PLACEMENTS below (one record per article)
    # 对内宣传 — the 融媒体中心 reports monthly statistics; streets and bureaus record their own items
    Profile("internal_report", per_year={"street": (10, 18), "town": (8, 14), "bureau": (4, 9), "school": (2, 5)}),
    Profile("internal_programme", per_year={"MED": (46, 52)}),
    Profile("internal_column", per_year={"MED": (4, 7), "district": (1, 2)}, figures={"internal_items": (12, 60)}),
    Profile("internal_documentary", per_year={"MED": (2, 4), "district": (0, 1.5)}),
    Profile(
        "internal_stats",
        cadence="monthly",
        per_year={"MED": (1, 1)},
        figures={"internal_items": (180, 320), "internal_programmes": (4, 5), "internal_completion_rate": (94, 106)},
        decimals={"internal_completion_rate": 1},
    ),
    # 新闻发布 — "X余场新闻发布会，累计邀请…记者X余人次参与报道，发稿X余篇"
    Profile(
        "press_conference",
        workdays=True,
        per_year={"district": (10, 16)},
        figures={"press_journalists": (15, 40)},
        ratios={"press_articles": ("press_journalists", 0.8, 2.0)},
    ),
    Profile(
        "press_media_visit",
        workdays=True,
        per_year={"district": (12, 22), "street": (1, 3), "town": (0, 2)},
        figures={"press_journalists": (2, 8)},
        ratios={"press_articles": ("press_journalists", 0.5, 1.2)},
    ),
    # 通讯员 — "报送…采用…采用率" (采用 ≤ 报送)
    Profile(
        "corr_submission_stats",
        cadence="monthly",
        per_year=dict.fromkeys((*GRASSROOTS_STREETS, *OFFICES), (1, 1)),
        figures={"corr_submitted": (10, 30)},
        by_kind={
            "street": {"corr_submitted": (25, 60)},
            "town": {"corr_submitted": (20, 45)},
            "school": {"corr_submitted": (5, 15)},
            "enterprise": {"corr_submitted": (5, 15)},
        },
        ratios={"corr_adopted": ("corr_submitted", 0.3, 0.6)},
    ),
    Profile("corr_training", workdays=True, per_year={"district": (2, 4)}),
    # 政务新媒体 — "累计发布信息X条…吸引X万多粉丝", "平均阅读量达X余万人次"
    Profile(
        "nm_monthly_stats",
        cadence="monthly",
        per_year={"MED": (1, 1), "street": (1, 1), "town": (1, 1)},
        figures={"nm_posts": (25, 60), "nm_reads": (15000, 80000)},
        by_kind={"MED": {"nm_posts": (220, 320), "nm_reads": (400000, 1200000)}},
        ratios={
            "nm_likes": ("nm_reads", 0.005, 0.02),
            "nm_comments": ("nm_likes", 0.05, 0.2),
            "nm_shares": ("nm_likes", 0.2, 0.6),
        },
        stocks={"nm_followers": {"MED": (90000, 130000), "street": (6000, 22000), "town": (4000, 12000)}},
        stock_growth=0.012,
    ),
    Profile(
        "nm_post",
        per_year={"MED": (50, 70), "district": (8, 14), "street": (1, 3)},
        figures={"nm_reads": (3000, 50000)},
        by_kind={"MED": {"nm_reads": (10000, 300000)}},
        ratios={
            "nm_likes": ("nm_reads", 0.01, 0.04),
            "nm_comments": ("nm_likes", 0.05, 0.25),
            "nm_shares": ("nm_likes", 0.2, 0.8),
        },
    ),
    Profile(
        "nm_live_stream",
        per_year={"MED": (6, 10)},
        figures={"nm_reads": (20000, 400000)},
        ratios={"nm_likes": ("nm_reads", 0.01, 0.05), "nm_comments": ("nm_likes", 0.05, 0.3)},
    ),
    # 网络舆情 — a few major and dozens of negative incidents a year, answered within hours
    Profile(
        "opinion_major",
        per_year={"district": (2, 5)},
        figures={"opinion_response_hours": (1.0, 4.0)},
        decimals={"opinion_response_hours": 1},
    ),
    Profile(
        "opinion_negative",
        per_year={"district": (24, 40), "street": (1, 4), "town": (1, 3)},
        figures={"opinion_response_hours": (1.5, 12.0)},
        decimals={"opinion_response_hours": 1},
    ),
    Profile("opinion_report", workdays=True, per_year={"district": (24, 34)}),
    Profile(
        "opinion_monitoring",
        cadence="monthly",
        per_year={"district": (1, 1)},
        figures={"opinion_sensitive_items": (80, 260)},
    ),
    # 精神文明 — namings a dozen a year, 文明单位 a stock of ~150, 整改销号 ≤ 发现
    Profile(
        "civ_title",
        season=YEAR_END,
        per_year={
            "street": (0, 0.5),
            "town": (0, 0.5),
            "community": (0, 0.25),
            "village": (0, 0.25),
            "bureau": (0, 0.4),
            "school": (0, 0.6),
            "enterprise": (0, 0.5),
        },
    ),
    Profile(
        "civ_assessment",
        per_year={"district": (2, 4), "street": (1, 2), "town": (1, 2)},
        figures={"civ_score": (86, 97), "civ_issues_found": (3, 10)},
        by_kind={"district": {"civ_issues_found": (10, 25)}},
        decimals={"civ_score": 1},
    ),
    Profile(
        "civ_inspection",
        per_year={"district": (20, 30), "street": (4, 8), "town": (3, 6)},
        figures={"civ_issues_found": (4, 20)},
        ratios={"civ_issues_closed": ("civ_issues_found", 0.8, 1.0)},
    ),
    Profile("civ_pairing", per_year={"district": (3, 5)}, figures={"civ_pairs": (4, 15)}),
    Profile(
        "civ_stats",
        cadence="quarterly",
        per_year={"district": (1, 1)},
        stocks={"civ_units_total": {"district": (130, 150)}},
        stock_growth=0.004,
    ),
    # 新时代文明实践 — communities' stations do most of it; a few new sites a year
    Profile(
        "practice_activity",
        per_year={
            "community": (16, 26),
            "village": (10, 18),
            "street": (8, 14),
            "town": (8, 14),
            "school": (2, 5),
            "bureau": (2, 4),
        },
        figures={"practice_participants": (20, 80)},
        by_kind={
            "community": {"practice_participants": (20, 100)},
            "street": {"practice_participants": (50, 200)},
            "town": {"practice_participants": (50, 180)},
        },
    ),
    Profile(
        "practice_moral_lecture",
        per_year={"community": (3, 5), "village": (2, 4), "street": (1, 3), "school": (1, 3)},
        figures={"practice_participants": (30, 90)},
    ),
    Profile(
        "practice_festival",
        festival=True,
        per_year={"community": (4, 6), "village": (4, 6), "street": (2, 3), "town": (2, 3)},
        figures={"practice_participants": (50, 250)},
    ),
    Profile(
        "practice_site", per_year={"street": (0, 0.5), "town": (0, 0.5), "community": (0, 0.2), "village": (0, 0.2)}
    ),
    Profile("practice_history_hall", per_year={"village": (0, 0.35), "town": (0, 0.3)}),
    # 志愿服务 — "活动时长*万余小时": tens of thousands of hours a year
    Profile(
        "vol_activity",
        season=VOLUNTEER_SEASON,
        per_year={
            "community": (18, 30),
            "village": (8, 16),
            "street": (10, 18),
            "town": (8, 14),
            "bureau": (4, 10),
            "school": (4, 8),
            "enterprise": (2, 6),
            "district": (6, 10),
        },
        figures={"vol_hours": (20, 160)},
        by_kind={"district": {"vol_hours": (100, 400)}},
        decimals={"vol_hours": 0},
    ),
    Profile("vol_project", per_year={"district": (3, 6), "street": (1, 2), "town": (0, 2)}),
    Profile(
        "vol_award",
        season=YEAR_END,
        per_year={"district": (1, 1), "street": (0, 1), "town": (0, 1)},
        figures={"vol_honorees": (5, 15)},
        by_kind={"district": {"vol_honorees": (20, 50)}},
    ),
    Profile(
        "vol_stats",
        cadence="monthly",
        per_year={"street": (1, 1), "town": (1, 1), "bureau": (1, 1)},
        stocks={
            "vol_teams": {"street": (18, 40), "town": (12, 25), "bureau": (3, 8)},
            "vol_registered": {"street": (5000, 12000), "town": (3000, 8000), "bureau": (150, 600)},
        },
        stock_growth=0.006,
    ),
    # 先进典型 — "评选表彰X名‘高新好人’，X人入选‘X好人’": a handful a year
    Profile(
        "rm_local_selection",
        season=YEAR_END,
        per_year={"district": (1, 1)},
        figures={"rm_good_people": (5, 6.4), "rm_moral_models": (0, 2), "rm_youth": (3, 6), "rm_other_models": (2, 5)},
    ),
    Profile(
        "rm_municipal_selection",
        per_year={"district": (1, 1.6)},
        figures={"rm_good_people": (1, 1.45), "rm_moral_models": (0, 1), "rm_youth": (0, 2), "rm_other_models": (0, 2)},
    ),
    Profile(
        "rm_provincial_selection",
        per_year={"district": (0, 0.8)},
        figures={"rm_good_people": (0, 1), "rm_moral_models": (0, 1), "rm_other_models": (0, 1)},
    ),
    Profile("rm_national_selection", per_year={"district": (0, 0.3)}, figures={"rm_good_people": (1, 1)}),
    Profile("rm_promotion", per_year={"district": (6, 10)}, figures={"rm_articles": (3, 12)}),
    # 文化惠民 — "一村一年一场戏", a film a month in villages, audiences of hundreds
    Profile(
        "ce_performance",
        season=SHOW_SEASON,
        per_year={"district": (10, 15), "street": (3, 6), "town": (3, 6), "community": (1, 2), "village": (1, 2)},
        figures={"ce_audience": (150, 500)},
        by_kind={
            "district": {"ce_audience": (800, 3000)},
            "street": {"ce_audience": (300, 1000)},
            "town": {"ce_audience": (300, 900)},
        },
    ),
    Profile(
        "ce_film",
        season=FILM_SEASON,
        per_year={"village": (10, 12), "community": (3, 6), "town": (2, 4)},
        figures={"ce_audience": (50, 200)},
        by_kind={"community": {"ce_audience": (40, 150)}},
    ),
    Profile(
        "ce_reading",
        season=READING_SEASON,
        per_year={"district": (8, 12), "CUL": (6, 10), "community": (2, 4), "school": (3, 6), "street": (2, 3)},
        figures={"ce_audience": (30, 150)},
        by_kind={"district": {"ce_audience": (100, 500)}},
        optional={"ce_audience": 0.85},
    ),
    Profile(
        "ce_training",
        workdays=True,
        per_year={"CUL": (8, 14), "district": (2, 4), "street": (1, 2)},
        figures={"ce_audience": (20, 60)},
        optional={"ce_audience": 0.8},
    ),
    Profile(
        "ce_mass_event",
        season=SHOW_SEASON,
        per_year={"district": (4, 8), "street": (4, 8), "town": (4, 8), "community": (1, 3), "village": (1, 2)},
        figures={"ce_audience": (80, 300)},
        by_kind={
            "district": {"ce_audience": (1000, 4000)},
            "street": {"ce_audience": (200, 1200)},
            "town": {"ce_audience": (200, 1000)},
        },
    ),
    # 文艺创作 — "获省级扶持资金X万元": funding in 万元, for some works only
    Profile(
        "art_work",
        per_year={"CUL": (8, 14), "district": (2, 4), "school": (1, 3)},
        figures={"art_funding": (3, 30)},
        optional={"art_funding": 0.3},
        decimals={"art_funding": 1},
    ),
    Profile("art_award", season=YEAR_END, per_year={"CUL": (2, 5), "school": (1, 3), "district": (1, 2)}),
    Profile("art_exhibition", per_year={"CUL": (3, 6), "district": (2, 3)}),
    # 文化产业 — "项目总投资X亿元" (district projects only), "消费券使用X万元"
    Profile(
        "ci_project_signing",
        per_year={"district": (2, 5)},
        figures={"ci_investment": (0.3, 4.5)},
        decimals={"ci_investment": 2},
    ),
    Profile(
        "ci_project_start",
        per_year={"district": (1, 3)},
        figures={"ci_investment": (0.2, 3.0)},
        optional={"ci_investment": 0.7},
        decimals={"ci_investment": 2},
    ),
    Profile("ci_application", per_year={"district": (4, 8), "CUL": (2, 4)}),
    Profile(
        "ci_consumption_season",
        per_year={"district": (1, 2)},
        season=(0, 0, 0, 0.3, 0.5, 0.5, 0.3, 0.3, 1, 1.5, 1.5, 0.5),
        figures={"ci_vouchers_used": (80, 300)},
        decimals={"ci_vouchers_used": 1},
    ),
    Profile(
        "ci_enterprise_stats",
        cadence="quarterly",
        per_year={"district": (1, 1)},
        stocks={"ci_enterprises": {"district": (26, 34)}},
        stock_growth=0.004,
    ),
    # 文化市场 — "扫黄打非"检查, cases a few a year
    Profile(
        "cm_inspection",
        workdays=True,
        per_year={"CUL": (30, 45), "street": (2, 5), "town": (2, 5)},
        figures={"cm_items_seized": (5, 120)},
        optional={"cm_items_seized": 0.25},
    ),
    Profile(
        "cm_case", per_year={"CUL": (2, 6)}, figures={"cm_items_seized": (20, 600)}, optional={"cm_items_seized": 0.7}
    ),
    Profile("cm_publicity", per_year={"district": (4, 8), "CUL": (4, 8), "school": (0, 2), "street": (1, 2)}),
    Profile("cm_software", workdays=True, per_year={"district": (2, 3), "CUL": (1, 2)}),
    # 社会宣传 — "印制分发各类公益海报X余份、挂图X余套", "改造提升X余处，更换相关画面X余幅"
    Profile(
        "sa_print",
        per_year={"district": (4, 8), "street": (2, 4), "town": (2, 4)},
        figures={"sa_posters": (500, 4000), "sa_charts": (40, 300)},
        by_kind={"street": {"sa_posters": (200, 1200)}, "town": {"sa_posters": (200, 1000)}},
        optional={"sa_charts": 0.6},
    ),
    Profile(
        "sa_carrier",
        per_year={"district": (3, 6), "street": (2, 5), "town": (2, 4), "CGJ": (4, 8)},
        figures={"sa_carriers": (3, 20)},
        ratios={"sa_images": ("sa_carriers", 1.5, 4.0)},
    ),
    Profile(
        "sa_screen",
        per_year={"district": (2, 4), "street": (1, 3)},
        figures={"sa_screens": (2, 8)},
        ratios={"sa_images": ("sa_screens", 1.0, 3.0)},
    ),
    # 队伍建设
    Profile(
        "team_training",
        workdays=True,
        per_year={"district": (3, 6), "street": (1, 2)},
        figures={"team_trainees": (40, 150)},
        by_kind={"street": {"team_trainees": (20, 60)}},
    ),
    Profile(
        "team_spokesperson_training", workdays=True, per_year={"district": (1, 2)}, figures={"team_trainees": (20, 60)}
    ),
    # 党报党刊 — one subscription a year per unit, in the autumn drive
    Profile(
        "pp_newspaper",
        season=YEAR_END,
        per_year=dict.fromkeys((*GRASSROOTS_STREETS, *OFFICES), (1, 1)),
        figures={"pp_completion_rate": (98, 105)},
        stocks={
            "pp_copies": {
                "street": (600, 1500),
                "town": (400, 1000),
                "bureau": (80, 300),
                "school": (60, 200),
                "enterprise": (50, 200),
            }
        },
        stock_growth=0.002,  # a unit subscribes about what it did last year, a little more
        decimals={"pp_completion_rate": 1},
    ),
    Profile(
        "pp_journal",
        season=YEAR_END,
        per_year=dict.fromkeys((*GRASSROOTS_STREETS, *OFFICES), (1, 1)),
        figures={"pp_completion_rate": (98, 105)},
        stocks={
            "pp_copies": {
                "street": (150, 400),
                "town": (100, 300),
                "bureau": (30, 100),
                "school": (20, 80),
                "enterprise": (20, 80),
            }
        },
        stock_growth=0.002,
        decimals={"pp_completion_rate": 1},
    ),
)

# Articles placed in outside media a year per unit, by outlet level: a pyramid — central dozens district-wide,
# provincial hundreds, municipal more ("省级以上主流媒体…重点报道X余篇", "省级及以上媒体用稿*篇，市级媒体用稿*篇").
PLACEMENTS: Mapping[str, Mapping[str, Range]] = {
    "district": {"national": (14, 22), "provincial": (70, 100), "municipal": (110, 160), "district": (0, 0)},
    "MED": {"national": (5, 9), "provincial": (35, 50), "municipal": (90, 130), "district": (120, 180)},
    "street": {"national": (1, 3), "provincial": (9, 18), "municipal": (35, 60), "district": (20, 35)},
    "town": {"national": (0, 2), "provincial": (6, 12), "municipal": (25, 45), "district": (15, 30)},
    "bureau": {"national": (0, 1.5), "provincial": (4, 9), "municipal": (15, 30), "district": (8, 16)},
    "school": {"national": (0, 0.6), "provincial": (1, 4), "municipal": (5, 12), "district": (4, 8)},
    "enterprise": {"national": (0, 0.5), "provincial": (1, 3), "municipal": (4, 10), "district": (3, 7)},
    "community": {"national": (0, 0), "provincial": (0, 0.5), "municipal": (0, 2), "district": (2, 5)},
    "village": {"national": (0, 0), "provincial": (0, 0.4), "municipal": (0, 2), "district": (1, 4)},
}

# Yearly growth of event counts (a department reports growth year on year) and of event sizes.
COUNT_GROWTH = 0.06
SIZE_GROWTH = 0.03

# District yearly totals (full year, approved or not) the profiles must land in — the test asserts them.
DISTRICT_RANGES: Mapping[str, Range] = {
    "lecture_events": (300, 900),  # 宣讲: hundreds a year
    "theory_sessions": (150, 500),
    "placements_national": (20, 90),  # central outlets: dozens
    "placements_provincial": (150, 600),  # provincial: hundreds
    "press_conferences": (8, 20),
    "opinion_major_incidents": (1, 8),
    "rm_good_people": (4, 15),  # 好人: a handful
    "ci_investment": (1, 30),  # 亿元, district projects only
    "vol_hours": (20000, 200000),
    "practice_activities": (300, 1500),
    "ce_performances": (40, 150),
    "civ_titles": (3, 25),
}

# The largest plausible value of one record's figure (the test checks every generated record against them).
RECORD_MAX: Mapping[str, float] = {
    "theory_participants": 400,
    "theory_speeches": 40,
    "lecture_audience": 600,
    "ideology_issues_found": 40,
    "press_journalists": 60,
    "press_articles": 120,
    "rm_good_people": 10,
    "rm_moral_models": 3,
    "ci_investment": 10,
    "art_funding": 50,
    "ci_vouchers_used": 500,
    "ce_audience": 6000,
    "vol_hours": 500,
    "practice_participants": 300,
    "opinion_response_hours": 24,
    "nm_reads": 1500000,
    "civ_score": 100,
    "pp_completion_rate": 110,
    "study_registration_rate": 100,
    "study_completion_rate": 100,
    "corr_submitted": 80,
    "team_trainees": 200,
}


def by_key() -> dict[str, Profile]:
    return {p.key: p for p in PROFILES}
