"""Hotel booking durations."""

from datetime import date


def days_between(start, end):
    """Whole days from start to end (negative if end is earlier)."""
    return (end - start).days


def nights(check_in, check_out):
    """Nights of a stay; at least one."""
    return max(1, days_between(check_out, check_in))


def price(check_in, check_out, nightly):
    return nights(check_in, check_out) * nightly
