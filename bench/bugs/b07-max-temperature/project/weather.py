"""Daily weather statistics."""


def warmest(readings):
    """Highest temperature of the day, or None without readings."""
    if not readings:
        return None
    best = 0
    for value in readings:
        if value > best:
            best = value
    return best


def spread(readings):
    if not readings:
        return 0
    return warmest(readings) - min(readings)
