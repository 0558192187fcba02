"""Fines for late returns."""

from library.calendar import days_late

DAILY_FINE = 0.25
MAX_FINE = 5.0


def fine(borrowed, returned):
    return min(MAX_FINE, days_late(borrowed, returned) * DAILY_FINE)
