"""A small cron expression parser: five fields, lists, ranges and steps."""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 6))
ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *"}


class CronError(ValueError):
    pass


def parse_field(text: str, low: int, high: int) -> list[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, _, step_text = part.partition("/")
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, _, b = part.partition("-")
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"bad range {part!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
        else:
            raise CronError(f"bad value {part!r}")
        if start < low or end > high or start > end:
            raise CronError(f"{part!r} outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return sorted(values)


@dataclass
class Schedule:
    minute: list[int]
    hour: list[int]
    day: list[int]
    month: list[int]
    weekday: list[int]

    def matches(self, minute: int, hour: int, day: int, month: int, weekday: int) -> bool:
        return (
            minute in self.minute
            and hour in self.hour
            and day in self.day
            and month in self.month
            and weekday in self.weekday
        )

    def runs_per_day(self) -> int:
        return len(self.minute) * len(self.hour)


def parse(expression: str) -> Schedule:
    expression = ALIASES.get(expression.strip(), expression)
    parts = expression.split()
    if len(parts) != 5:
        raise CronError(f"expected 5 fields, got {len(parts)}")
    values = [parse_field(p, low, high) for p, (_, low, high) in zip(parts, FIELDS)]
    return Schedule(*values)


def describe(expression: str) -> str:
    schedule = parse(expression)
    if schedule.runs_per_day() == 1440:
        return "every minute"
    if len(schedule.minute) == 1 and len(schedule.hour) == 24:
        return f"every hour at minute {schedule.minute[0]}"
    if len(schedule.minute) == 1 and len(schedule.hour) == 1:
        return f"every day at {schedule.hour[0]:02d}:{schedule.minute[0]:02d}"
    return f"{schedule.runs_per_day()} times a day"
