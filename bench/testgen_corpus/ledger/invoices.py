"""Invoices: lines, discounts and totals."""

from __future__ import annotations

from dataclasses import dataclass, field

VAT_RATES = {"standard": 0.2, "reduced": 0.1, "zero": 0.0}


@dataclass
class Line:
    description: str
    unit_cents: int
    quantity: int = 1
    vat: str = "standard"

    def net(self) -> int:
        return self.unit_cents * self.quantity

    def tax(self) -> int:
        if self.vat not in VAT_RATES:
            raise KeyError(self.vat)
        return round(self.net() * VAT_RATES[self.vat])


@dataclass
class Invoice:
    number: str
    lines: list[Line] = field(default_factory=list)
    discount_percent: int = 0
    paid: bool = False

    def add(self, description: str, unit_cents: int, quantity: int = 1) -> Line:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if unit_cents < 0:
            raise ValueError("price must not be negative")
        line = Line(description, unit_cents, quantity)
        self.lines.append(line)
        return line

    def subtotal(self) -> int:
        return sum(line.net() for line in self.lines)

    def discount(self) -> int:
        if not 0 <= self.discount_percent <= 100:
            raise ValueError("discount must be between 0 and 100")
        return self.subtotal() * self.discount_percent // 100

    def total(self) -> int:
        tax = sum(line.tax() for line in self.lines)
        return self.subtotal() - self.discount() + tax

    def status(self) -> str:
        if self.paid:
            return "paid"
        if not self.lines:
            return "draft"
        if self.total() == 0:
            return "nothing due"
        return "open"


def next_number(previous: str, year: int) -> str:
    """INV-2024-0041 -> INV-2024-0042; a new year starts at 0001."""
    prefix, _, rest = previous.partition("-")
    old_year, _, counter = rest.partition("-")
    if prefix != "INV" or not old_year.isdigit() or not counter.isdigit():
        raise ValueError(f"not an invoice number: {previous!r}")
    if int(old_year) != year:
        return f"INV-{year}-0001"
    return f"INV-{year}-{int(counter) + 1:04d}"
