"""Settings from environment variables with a prefix, and durations like '1h30m'."""

from __future__ import annotations

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """'90' -> 90 s; '1h30m' -> 5400; '2d' -> 172800."""
    text = text.strip().lower()
    if not text:
        raise ValueError("empty duration")
    if text.isdigit():
        return int(text)
    total = 0
    number = ""
    for ch in text:
        if ch.isdigit():
            number += ch
        elif ch in UNITS:
            if not number:
                raise ValueError(f"unit {ch!r} without a number")
            total += int(number) * UNITS[ch]
            number = ""
        else:
            raise ValueError(f"unexpected {ch!r} in duration")
    if number:
        raise ValueError("a number without a unit at the end")
    return total


def format_duration(seconds: int) -> str:
    if seconds < 0:
        raise ValueError("negative duration")
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in sorted(UNITS.items(), key=lambda item: -item[1]):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def collect(environ: dict[str, str], prefix: str) -> dict[str, str]:
    """APP_DB_HOST=x with prefix 'APP' -> {'db_host': 'x'}; empty values are dropped."""
    if not prefix or not prefix.isidentifier():
        raise ValueError(f"bad prefix {prefix!r}")
    head = prefix.upper() + "_"
    return {
        key[len(head):].lower(): value
        for key, value in environ.items()
        if key.startswith(head) and len(key) > len(head) and value != ""
    }


def coerce(value: str) -> object:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null", ""):
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value
