"""Small statistics for reports."""


def median(values):
    """Middle value (mean of the two middle ones for an even count); None when empty."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2
