"""Exam grade bands."""

import bisect

BOUNDS = [50, 60, 70, 80]
BANDS = ["E", "D", "C", "B", "A"]


def band(score):
    """Letter band of a score; a score equal to a bound belongs to the upper band."""
    return BANDS[bisect.bisect_left(BOUNDS, score)]
