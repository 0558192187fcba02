"""Time series helpers for the metrics dashboard."""


def moving_average(values, window):
    """Averages of each run of `window` consecutive values."""
    if window <= 0 or window > len(values):
        return []
    out = []
    for start in range(len(values) - window):
        chunk = values[start:start + window]
        out.append(sum(chunk) / window)
    return out
