"""Dates of loans."""

from datetime import date, timedelta

LOAN_DAYS = 21


def due_date(borrowed):
    return borrowed + timedelta(days=LOAN_DAYS)


def days_late(borrowed, today):
    """Days past the due date (0 when not late)."""
    late = (today - due_date(borrowed)).days + 1
    return max(0, late)
