"""Vietnamese number, percentage, money and date formats (Babel, locale 'vi').

11410 -> '11.410'; 76.97 -> '76,97%'; 3_343_612_457 nghìn đồng -> 'trên 3.343 tỷ đồng'; 31/08/2024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "vi"
THOUSANDS_PER_BILLION = 1_000_000   # money is in nghìn đồng; 1 tỷ đồng = 1.000.000 nghìn đồng
THOUSANDS_PER_MILLION = 1_000


def number(value: int | Decimal | float) -> str:
    """An integer or decimal the Vietnamese way: 11.410; 2,5."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def percent(value: Decimal | float | None, missing: str = "—", table: bool = False) -> str:
    """76,97%; 43,40%; in a sentence a whole rate without decimals (75%, 100%), in a `table` with two like its
    neighbours (33,00%); `missing` when there is no rate."""
    if value is None or (isinstance(value, float) and value != value):
        return missing
    pattern = "#,##0" if not table and Decimal(str(value)) == int(value) else "#,##0.00"
    return format_decimal(value, format=pattern, locale=LOCALE) + "%"


def points(value: Decimal) -> str:
    """A difference of rates, without sign: 2,99%."""
    return percent(abs(value))


def money(thousands: int) -> str:
    """An amount given in nghìn đồng, the way a narrative says it: 'trên 3.343 tỷ đồng'.

    Amounts are floored to whole tỷ (or triệu below one tỷ) and prefixed 'trên' when something was cut.
    """
    for unit, name in ((THOUSANDS_PER_BILLION, "tỷ đồng"), (THOUSANDS_PER_MILLION, "triệu đồng")):
        if thousands >= unit:
            whole, rest = divmod(int(thousands), unit)
            return f"{'trên ' if rest else ''}{number(whole)} {name}"
    return f"{number(int(thousands))} nghìn đồng"


def day(value: date) -> str:
    """31/08/2024."""
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def long_day(value: date) -> str:
    """'ngày 26 tháng 9 năm 2024', as under the motto of an administrative document.

    Nghị định 30/2020 writes days below 10 and the months 1 and 2 with a leading zero, which Babel's
    patterns cannot express, hence the hand-written format.
    """
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
