"""Numbers typed by people, checked against what the columns hold: a decimal's digits (a DecimalField's max_digits
and decimal_places), and row ids in lists ("1,2,3" in ?ids= or a form field). A number past a column's size saves
on SQLite and then makes every page that reads it fail (decimal.InvalidOperation), and on PostgreSQL it is refused
with a DataError: both are checked before anything is saved, with a Chinese message for the field."""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import Any

ID_MAX = 2_147_483_647  # the largest id a list or a form accepts (PostgreSQL integer; ids are far below it)
NOT_A_NUMBER = "应填写数字"
SQLITE_DIGITS = Context(prec=15)


def to_decimal(raw: Any) -> Decimal | None:
    """A finite Decimal from typed text ("" / None → None). Raises ValueError for anything else: words, NaN,
    Infinity (which Decimal() accepts and no column stores)."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            return None
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(NOT_A_NUMBER) from exc
    if not value.is_finite():
        raise ValueError(NOT_A_NUMBER)
    return value


def digits_problem(value: Decimal, *, max_digits: int, decimal_places: int) -> str | None:
    """What is wrong with `value` for a DecimalField(max_digits, decimal_places), in Chinese; None when it fits.
    Trailing zeros do not count ("1.50000" is 1.5)."""
    if not value.is_finite():
        return NOT_A_NUMBER
    if value.is_zero():
        return None
    # counted on the digits, not with a context (which rounds past 28 digits and overflows on 1E+999999999)
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    significant = text.rstrip("0")
    exponent += len(text) - len(significant)
    whole = max(len(significant) + exponent, 0)
    places = -exponent if exponent < 0 else 0
    most = max_digits - decimal_places
    # SQLite keeps 15 significant digits: 99999999999999.99 reads back as 1E+14, one digit too many for the column
    if whole > most or (whole == most and SQLITE_DIGITS.create_decimal(value).adjusted() + 1 > most):
        return f"数值过大：整数部分最多 {most} 位"
    if places > decimal_places:
        return f"最多保留 {decimal_places} 位小数" if decimal_places else "应为整数"
    return None


def column_bounds(field: Any) -> tuple[int, int]:
    """(max_digits, decimal_places) of a model's DecimalField: ``column_bounds(Target._meta.get_field("value"))``."""
    return int(field.max_digits), int(field.decimal_places)


def split_ids(raw: Any, *, limit: int = 5000) -> tuple[list[int], list[str]]:
    """Ids typed as "1,2,3" (Chinese commas too): the ids within 1..ID_MAX, at most `limit`, in order; and the parts
    that are not such an id (words, 0, numbers past ID_MAX), for a notice. Blank parts are skipped."""
    ids: list[int] = []
    refused: list[str] = []
    for part in str(raw or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part.isascii() and part.isdigit() and len(part) <= len(str(ID_MAX)) and 0 < int(part) <= ID_MAX:
            if len(ids) < limit:
                ids.append(int(part))
        else:
            refused.append(part)
    return ids, refused


def refused_ids_notice(refused: list[str], *, what: str = "编号", ignored: bool = True) -> str:
    """The Chinese notice for ids that `split_ids` refused (at most three shown, each cut to 24 characters);
    `ignored`: the list went on without them (else the form refuses them)."""
    shown = "、".join(f"“{p[:24]}”" for p in refused[:3]) + ("等" if len(refused) > 3 else "")
    return f"{what}{shown}无效（应为 1 至 {ID_MAX} 之间的整数）" + ("，已忽略" if ignored else "")
