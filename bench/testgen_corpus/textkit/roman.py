"""Roman numerals, both ways."""

from __future__ import annotations

NUMERALS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]
VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(number: int) -> str:
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError("an integer is required")
    if not 0 < number < 4000:
        raise ValueError("roman numerals run from 1 to 3999")
    out = []
    for value, letters in NUMERALS:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def from_roman(text: str) -> int:
    text = text.strip().upper()
    if not text or any(ch not in VALUES for ch in text):
        raise ValueError(f"not a roman numeral: {text!r}")
    total = 0
    largest = 0
    for ch in reversed(text):  # right to left: a smaller letter before a larger one subtracts
        value = VALUES[ch]
        total += -value if value < largest else value
        largest = max(largest, value)
    if to_roman(total) != text:
        raise ValueError(f"not in canonical form: {text!r}")
    return total
