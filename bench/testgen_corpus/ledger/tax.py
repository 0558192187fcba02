"""Income tax by brackets, and rounding rules."""

from __future__ import annotations

BRACKETS = [(10_000, 0.0), (30_000, 0.2), (80_000, 0.35), (None, 0.45)]


def income_tax(income: int, brackets: list[tuple[int | None, float]] | None = None) -> int:
    """Tax on `income` (whole units), each bracket taxed at its own rate."""
    if income < 0:
        raise ValueError("income must not be negative")
    tax = 0.0
    lower = 0
    for upper, rate in brackets or BRACKETS:
        if upper is None or income <= upper:
            tax += (income - lower) * rate
            break
        tax += (upper - lower) * rate
        lower = upper
    return round(tax)


def marginal_rate(income: int) -> float:
    for upper, rate in BRACKETS:
        if upper is None or income <= upper:
            return rate
    return BRACKETS[-1][1]


def round_to(amount: float, step: float = 0.05, mode: str = "nearest") -> float:
    """Round to a multiple of `step` ("nearest", "up" or "down")."""
    if step <= 0:
        raise ValueError("step must be positive")
    units = amount / step
    if mode == "nearest":
        units = round(units)
    elif mode == "up":
        units = int(units) + (1 if units > int(units) else 0)
    elif mode == "down":
        units = int(units) - (1 if units < int(units) else 0)
    else:
        raise ValueError(f"unknown rounding mode {mode!r}")
    return round(units * step, 10)
