"""Working days for delivery estimates."""

from datetime import date, timedelta


def is_working_day(day):
    return day.weekday() < 6


def add_working_days(start, days):
    """The date `days` working days after start."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current
