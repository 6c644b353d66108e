"""The completion rate (tỷ lệ thi hành xong): done over to do × 100, rounded half-up to two decimals, as the
offices compute it. Used by the metrics and by the wording templates' filters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def rate(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator / denominator × 100, rounded half-up to 2 decimals; None when denominator is 0."""
    if not denominator:
        return None
    numerator = numerator if isinstance(numerator, Decimal) else Decimal(int(numerator))
    denominator = denominator if isinstance(denominator, Decimal) else Decimal(int(denominator))
    return (numerator * 100 / denominator).quantize(CENT, rounding=ROUND_HALF_UP)
