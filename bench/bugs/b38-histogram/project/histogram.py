"""Latency histograms for the monitoring page."""


def buckets(values, width, count):
    """How many values fall in each bucket [k*width, (k+1)*width); the last is open."""
    result = [0] * count
    for value in values:
        index = min(int(value % width), count - 1)
        result[index] += 1
    return result
