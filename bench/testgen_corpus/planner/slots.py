"""Meeting slots: minutes since midnight, merging busy times, finding free ones."""

from __future__ import annotations


def parse_time(text: str) -> int:
    """'09:30' -> 570; '9:30pm' -> 1290."""
    text = text.strip().lower()
    suffix = ""
    if text.endswith(("am", "pm")):
        text, suffix = text[:-2].strip(), text[-2:]
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"not a time: {text!r}")
    h, m = int(hours), int(minutes)
    if suffix:
        if not 1 <= h <= 12:
            raise ValueError("12-hour times run from 1 to 12")
        h = h % 12 + (12 if suffix == "pm" else 0)
    if h > 23 or m > 59:
        raise ValueError(f"not a time: {text!r}")
    return h * 60 + m


def format_time(minutes: int) -> str:
    if not 0 <= minutes < 24 * 60:
        raise ValueError("minutes out of the day")
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def merge(busy: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(busy):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def free_slots(
    busy: list[tuple[int, int]], length: int, day_start: int = 480, day_end: int = 1080
) -> list[tuple[int, int]]:
    if length <= 0:
        raise ValueError("length must be positive")
    slots = []
    cursor = day_start
    for start, end in merge(busy):
        if end <= cursor:
            continue
        if start - cursor >= length:
            slots.append((cursor, start))
        cursor = max(cursor, end)
    if day_end - cursor >= length:
        slots.append((cursor, day_end))
    return slots
