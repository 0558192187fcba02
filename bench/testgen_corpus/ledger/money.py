"""Amounts of money in integer cents, with a currency."""

from __future__ import annotations

from dataclasses import dataclass

CURRENCIES = ("EUR", "USD", "GBP", "CHF")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")

    def add(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} + {other.currency}")
        return Money(self.cents + other.cents, self.currency)

    def times(self, factor: float) -> Money:
        if factor < 0:
            raise ValueError("factor must not be negative")
        return Money(round(self.cents * factor), self.currency)

    def split(self, parts: int) -> list[Money]:
        """Split into `parts` amounts that differ by at most one cent and add up exactly."""
        if parts <= 0:
            raise ValueError("parts must be positive")
        base, extra = divmod(self.cents, parts)
        return [Money(base + (1 if i < extra else 0), self.currency) for i in range(parts)]

    def format(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, cents = divmod(abs(self.cents), 100)
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(self.currency)
        if symbol is None:
            return f"{sign}{whole}.{cents:02d} {self.currency}"
        return f"{sign}{symbol}{whole:,}.{cents:02d}"


def parse_money(text: str) -> Money:
    """Parse "12.50 EUR", "EUR 12.50", "12 USD" or "-3.05 GBP"."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"expected an amount and a currency: {text!r}")
    first, second = parts
    amount, currency = (second, first) if first.isalpha() else (first, second)
    negative = amount.startswith("-")
    whole, _, fraction = amount.lstrip("-").partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 2:
        raise ValueError(f"not an amount: {amount!r}")
    cents = int(whole) * 100 + int(fraction.ljust(2, "0") or 0)
    return Money(-cents if negative else cents, currency.upper())
