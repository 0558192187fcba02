"""Values of the standard library's everyday classes, for a module that imports them.

A module that does ``from datetime import date`` takes dates somewhere; the search builds them
the way a person writing the test would (``date(2024, 1, 31)``). ``{}`` is the name the module
knows the class by.
"""

from __future__ import annotations

VALUES: dict[tuple[str, str], list[str]] = {
    ("datetime", "date"): ["{}(2024, 1, 31)", "{}(2000, 2, 29)", "{}(1999, 12, 31)"],
    ("datetime", "datetime"): [
        "{}(2024, 1, 31, 12, 30, 15)",
        "{}(2000, 2, 29, 0, 0)",
        "{}(1999, 12, 31, 23, 59, 59, 999999)",
    ],
    ("datetime", "time"): ["{}(12, 30, 15)", "{}(0, 0)", "{}(23, 59, 59, 999999)"],
    ("datetime", "timedelta"): [
        "{}(days=1)",
        "{}(hours=-3, minutes=30)",
        "{}(0)",
        "{}(days=400, seconds=1.5)",
    ],
    ("datetime", "timezone"): ["{}.utc"],
    ("decimal", "Decimal"): ["{}('1.5')", "{}('0')", "{}('-2.25')", "{}(10)"],
    ("fractions", "Fraction"): ["{}(1, 3)", "{}(-5, 2)", "{}(0)"],
    ("collections", "deque"): ["{}([1, 2, 3])", "{}()"],
    ("collections", "OrderedDict"): ["{}([('a', 1), ('b', 2)])", "{}()"],
    ("collections", "Counter"): ["{}('abca')", "{}()"],
    ("pathlib", "PurePath"): ["{}('a/b.txt')", "{}('')"],
    ("pathlib", "PurePosixPath"): ["{}('a/b.txt')", "{}('/x/y')"],
    ("uuid", "UUID"): ["{}('12345678-1234-5678-1234-567812345678')"],
}

# Names that, in a docstring, mean the class: "adds a timedelta", "returns a Decimal".
# Not "time" (an English word first).
NAMED_IN_DOCS = {"date", "datetime", "timedelta", "Decimal", "Fraction", "UUID"}


def values(module: str, name: str, local: str) -> list[str]:
    return [v.format(local) for v in VALUES.get((module, name), [])]
