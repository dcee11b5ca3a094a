"""Planning the demo ledger from the profiles (demo_profiles) and the wording (demo_vocab), without the database:
which unit records what, on which day, with which figures, title and description. `ledger.demo` turns the plan
into records; the tests check the plan's totals and invariants directly (fast, no demo run needed).

Deterministic for a given random generator state, units, years and "today"."""

from __future__ import annotations

import calendar
import datetime
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taizhang.core.text import nest_quotes
from taizhang.ledger import demo_vocab as vocab
from taizhang.ledger.demo_profiles import COUNT_GROWTH, PLACEMENTS, PROFILES, SIZE_GROWTH, Profile, Range

LEVEL_ORDER = ("national", "provincial", "municipal", "district")
NO_GROWTH = {
    "civ_score",
    "opinion_response_hours",
    "rm_good_people",
    "rm_moral_models",
    "rm_youth",
    "rm_other_models",
}  # besides rates: sizes that do not grow with the years


@dataclass(frozen=True)
class PlanUnit:
    ref: Any  # the Unit (or anything the caller maps back)
    code: str
    kind: str  # Unit.Kind value: district, street, town, community, village, bureau, school, enterprise
    name: str
    label: str


@dataclass
class Planned:
    unit: PlanUnit
    activity: str
    day: datetime.date
    figures: dict[str, Decimal]
    title: str
    description: str = ""
    location: str = ""
    level: str = ""  # placements: outlet level
    page: str = ""
    is_headline: bool = False
    is_front_page: bool = False
    is_long: bool = False
    word_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _events(rng: random.Random, span: Range, factor: float) -> int:
    """Events a year of one unit: a draw in the range, scaled, rounded at random (0–0.4 → "some years")."""
    value = rng.uniform(*span) * factor
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _span(profile_map: Mapping[str, Any], unit: PlanUnit) -> Any:
    return profile_map.get(unit.code, profile_map.get(unit.kind))


def _quantize(value: float, places: int) -> Decimal:
    step = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(step, ROUND_HALF_UP)


class Planner:
    def __init__(
        self,
        units: Sequence[PlanUnit],
        rng: random.Random,
        today: datetime.date,
        start_year: int,
        *,
        scale: float = 1.0,
        known: Iterable[str] | None = None,
    ) -> None:
        self.units = list(units)
        self.rng = rng
        self.today = today
        self.start_year = start_year
        self.scale = scale
        self.known = set(known) if known is not None else None
        self.titles: set[str] = set()
        self.serial: dict[tuple[str, str, int], int] = {}
        self.stock: dict[tuple[str, str, str], float] = {}
        self.areas = [u.label for u in self.units if u.kind in ("street", "town")]

    # ---- dates ---------------------------------------------------------------------------------------------
    def _day(self, profile: Profile, year: int) -> datetime.date:
        rng = self.rng
        if profile.festival:
            _name, day = rng.choice(sorted(vocab.festivals(year).items()))
            return day - datetime.timedelta(days=rng.randrange(0, 5))
        month = rng.choices(range(1, 13), weights=profile.season)[0]
        day = datetime.date(year, month, rng.randrange(1, calendar.monthrange(year, month)[1] + 1))
        if profile.workdays and day.weekday() >= 5:
            day -= datetime.timedelta(days=day.weekday() - 4)  # the Friday before
        if month == 10 and day.day <= 7:  # the National Day week: no meetings, few events
            day += datetime.timedelta(days=8 - day.day)
        return day

    # ---- wording -------------------------------------------------------------------------------------------
    def _values(
        self, unit: PlanUnit, year: int, day: datetime.date, name: str, extra: Mapping[str, str], key: str = ""
    ) -> dict[str, str]:
        """One draw of the words of a record, shared by its title and its description (they tell the same story)."""
        rng = self.rng
        return {
            "unit": unit.label,
            "theme": rng.choice(vocab.themes(year)),
            "topic": rng.choice(vocab.TOPICS),
            "group": rng.choice(vocab.GROUPS),
            "form": rng.choice(vocab.FORMS),
            "speaker": rng.choice(vocab.SPEAKERS),
            "place": self._place(unit, key),
            "month": str(day.month),
            "year": str(year),
            "next": str(year + 1),
            "level": rng.choice(vocab.LEVELS),
            "name": name,
            "film": rng.choice(vocab.FILMS),
            "area": rng.choice(self.areas) if self.areas else unit.label,
            **extra,
        }

    def _fill(self, template: str, values: Mapping[str, str], key: str, unit: PlanUnit, year: int) -> str:
        if "{n}" not in template:
            return template.format(**values)
        n_key = (key, unit.code if "{unit}" in template else "", year)
        self.serial[n_key] = self.serial.get(n_key, 0) + 1
        return template.format(**values, n=self.serial[n_key])

    def _place(self, unit: PlanUnit, key: str = "") -> str:
        """Where: big audiences (district shows, mass events) outdoors or in a hall, meetings in a meeting room."""
        choices = (
            vocab.PLACES_BY_TYPE.get(key, {}).get(unit.kind) or vocab.PLACES.get(unit.kind) or vocab.PLACES["bureau"]
        )
        return self.rng.choice(choices).format(unit=unit.label)

    def _wording(
        self, key: str, name: str, unit: PlanUnit, year: int, day: datetime.date, extra: Mapping[str, str] | None = None
    ) -> tuple[str, str, str]:
        """(title, description, place): a title not used before if six draws can find one."""
        templates = vocab.DISTRICT_TITLES.get(key) if unit.kind == "district" else None
        templates = templates or vocab.TITLES.get(key, vocab.GENERIC)
        title, values = "", {}
        for _attempt in range(6):
            values = self._values(unit, year, day, name, extra or {}, key)
            template = self.rng.choice(templates)
            if "{n}" in template:  # serial titles are distinct by construction
                title = self._fill(template, values, key, unit, year)
                break
            title = template.format(**values)
            if title not in self.titles:
                break
        self.titles.add(title)
        description = self.rng.choice(vocab.DESCRIPTIONS[vocab.description_family(key)]).format(**values)
        description += self.rng.choice(vocab.CLOSINGS).format(**values)
        # a theme that has quotation marks of its own ("“十五五”开局起步") inside a quoted template nests as ‘’
        return nest_quotes(title), nest_quotes(description), values["place"]

    # ---- figures -------------------------------------------------------------------------------------------
    def _figures(self, profile: Profile, unit: PlanUnit, year: int, month: int | None = None) -> dict[str, Decimal]:
        rng = self.rng
        size = 1 + SIZE_GROWTH * (year - self.start_year)
        values: dict[str, float] = {}
        for metric, span in profile.figures.items():
            chance = profile.optional.get(metric)
            if chance is not None and rng.random() >= chance:
                continue
            lo, hi = (profile.by_kind.get(unit.code) or profile.by_kind.get(unit.kind) or {}).get(metric, span)
            values[metric] = rng.uniform(lo, hi) * (1 if metric in NO_GROWTH or metric.endswith("_rate") else size)
        for metric, kinds in profile.stocks.items():
            start = _span(kinds, unit)
            if start is None:
                continue
            key = (profile.key, metric, unit.code)
            if key not in self.stock:
                self.stock[key] = rng.uniform(*start)
            months = (year - self.start_year) * 12 + (month or 12)
            values[metric] = self.stock[key] * (1 + profile.stock_growth) ** months
        for metric, (base, lo, hi) in profile.ratios.items():
            if base in values:  # a part of the base (ratio ≤ 1: never above it) or a multiple (images per carrier)
                values[metric] = values[base] * rng.uniform(lo, hi)
        out: dict[str, Decimal] = {}
        for metric, value in values.items():
            places = profile.decimals.get(metric, 0)
            number = _quantize(value, places)
            if places == 0 and metric in profile.ratios and profile.ratios[metric][2] <= 1:
                bound = out.get(profile.ratios[metric][0])
                number = Decimal(math.floor(value))
                if bound is not None and number > bound:
                    number = bound
            if number <= 0 and metric in profile.optional:
                continue
            if number <= 0 and profile.key.startswith("rm_") and metric in profile.figures:
                continue
            out[metric] = number
        if profile.key == "corr_submission_stats" and out.get("corr_submitted"):
            rate = out["corr_adopted"] * 100 / out["corr_submitted"]
            out["corr_adoption_rate"] = rate.quantize(Decimal("0.1"), ROUND_HALF_UP)
        if profile.key.startswith("rm_") and not any(v > 0 for v in out.values()):
            out[next(iter(profile.figures))] = Decimal(1)
        return out

    # ---- plans ---------------------------------------------------------------------------------------------
    def _wanted(self, key: str) -> bool:
        return self.known is None or key in self.known

    def year_end(self, year: int) -> datetime.date:
        return min(datetime.date(year, 12, 31), self.today)

    def plan(self, names: Mapping[str, str]) -> list[Planned]:
        out: list[Planned] = []
        for year in range(self.start_year, self.today.year + 1):
            for profile in PROFILES:
                if not self._wanted(profile.key):
                    continue
                name = names.get(profile.key, profile.key)
                if profile.cadence in ("monthly", "quarterly"):
                    out.extend(self._statistics(profile, name, year))
                else:
                    out.extend(self._events_of(profile, name, year))
            if self._wanted("placement"):
                out.extend(self._placements(year))
        out.sort(key=lambda p: (p.day, p.unit.code, p.activity, p.title))
        return out

    def _events_of(self, profile: Profile, name: str, year: int) -> list[Planned]:
        out = []
        factor = (1 + COUNT_GROWTH * (year - self.start_year)) * self.scale
        for unit in self.units:
            span = _span(profile.per_year, unit)
            if span is None:
                continue
            # a fixed number (one subscription, four quarterly meetings a year) does not grow with the years
            fixed = span[0] == span[1]
            count = _events(self.rng, span, self.scale if fixed else factor)
            days = sorted(self._day(profile, year) for _ in range(count))
            for day in days:  # in date order, so serial numbers (第N期) follow the calendar
                if day > self.today:
                    continue
                extra: dict[str, str] = {}
                if profile.festival:
                    festival = min(vocab.festivals(year).items(), key=lambda item: abs((item[1] - day).days))[0]
                    extra = {"festival": festival, "fact": self.rng.choice(vocab.FESTIVAL_ACTS[festival])}
                elif profile.key in ("ce_performance",):
                    extra = {"festival": self.rng.choice(["新春", "元宵", "国庆", "中秋", "“七一”"])}
                title, description, place = self._wording(profile.key, name, unit, year, day, extra)
                out.append(
                    Planned(
                        unit=unit,
                        activity=profile.key,
                        day=day,
                        figures=self._figures(profile, unit, year),
                        title=title,
                        description=description,
                        location=place,
                    )
                )
        return out

    def _statistics(self, profile: Profile, name: str, year: int) -> list[Planned]:
        out = []
        months = range(1, 13) if profile.cadence == "monthly" else (3, 6, 9, 12)
        for unit in self.units:
            if _span(profile.per_year, unit) is None:
                continue
            for month in months:
                day = datetime.date(year, month, 28)
                if day > self.today:
                    continue
                period = f"{year}年{month}月" if profile.cadence == "monthly" else f"{year}年第{(month + 2) // 3}季度"
                out.append(
                    Planned(
                        unit=unit,
                        activity=profile.key,
                        day=day,
                        figures=self._figures(profile, unit, year, month),
                        title=f"{unit.label}{period}{name}",
                        description=f"{unit.label}{period}{name}，经单位负责人审核后报送。",
                    )
                )
        return out

    def _placements(self, year: int) -> list[Planned]:
        rng = self.rng
        out = []
        factor = (1 + COUNT_GROWTH * (year - self.start_year)) * self.scale
        for unit in self.units:
            spans = _span(PLACEMENTS, unit)
            if spans is None:
                continue
            for level in LEVEL_ORDER:
                for _ in range(_events(rng, spans[level], factor)):
                    day = self._day(Profile("placement"), year)
                    if day > self.today:
                        continue
                    out.append(self._placement(unit, level, year, day))
        return out

    def _placement(self, unit: PlanUnit, level: str, year: int, day: datetime.date) -> Planned:
        rng = self.rng
        title = ""
        for _attempt in range(8):
            lead = rng.choice(vocab.HEADLINE_LEADS).format(unit=unit.label if unit.kind != "district" else "万柏林区")
            title = f"{lead}{rng.choice(vocab.HEADLINE_SUBJECTS)}{rng.choice(vocab.HEADLINE_ENDINGS)}"
            if title not in self.titles:
                break
        self.titles.add(title)
        _title, description, _place = self._wording("placement", "", unit, year, day)
        top = level in ("national", "provincial")
        return Planned(
            unit=unit,
            activity="placement",
            day=day,
            figures={"placements": Decimal(1)},
            title=title,
            description=description,
            level=level,
            page=rng.choice(vocab.OUTLET_PAGES[level]),
            is_headline=rng.random() < (0.04 if top else 0.1),
            is_front_page=rng.random() < (0.06 if top else 0.12),
            is_long=rng.random() < (0.3 if top else 0.15),
            word_count=rng.randrange(800, 3200) if top else rng.randrange(400, 1800),
        )
