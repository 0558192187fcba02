"""Unit conversion for lengths, weights and temperatures."""

from __future__ import annotations

LENGTH = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "mi": 1609.344}
WEIGHT = {"g": 0.001, "kg": 1.0, "t": 1000.0, "lb": 0.45359237, "oz": 0.028349523125}


class UnitError(ValueError):
    pass


def convert(value: float, source: str, target: str) -> float:
    for table in (LENGTH, WEIGHT):
        if source in table and target in table:
            return value * table[source] / table[target]
    if source in LENGTH and target in WEIGHT or source in WEIGHT and target in LENGTH:
        raise UnitError(f"cannot convert {source} to {target}")
    raise UnitError(f"unknown unit: {source if source not in LENGTH and source not in WEIGHT else target}")


def temperature(value: float, source: str, target: str) -> float:
    if source == target:
        return value
    if source == "C":
        kelvin = value + 273.15
    elif source == "F":
        kelvin = (value - 32) * 5 / 9 + 273.15
    elif source == "K":
        kelvin = value
    else:
        raise UnitError(f"unknown temperature scale {source!r}")
    if kelvin < 0:
        raise UnitError("below absolute zero")
    if target == "C":
        return round(kelvin - 273.15, 6)
    if target == "F":
        return round((kelvin - 273.15) * 9 / 5 + 32, 6)
    if target == "K":
        return round(kelvin, 6)
    raise UnitError(f"unknown temperature scale {target!r}")


def parse_quantity(text: str) -> tuple[float, str]:
    """'12.5 km' or '12.5km' -> (12.5, 'km')."""
    text = text.strip()
    i = 0
    while i < len(text) and (text[i].isdigit() or text[i] in ".-+"):
        i += 1
    number, unit = text[:i], text[i:].strip()
    if not number or not unit:
        raise UnitError(f"not a quantity: {text!r}")
    return float(number), unit
