"""Calendar arithmetic for the scheduling service."""


def is_leap(year):
    """Gregorian leap years."""
    if year % 400 == 0:
        return True
    if year % 100 == 0:
        return False
    return year % 4 == 0


def days_in_february(year):
    return 29 if is_leap(year) else 28
