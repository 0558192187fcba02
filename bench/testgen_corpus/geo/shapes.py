"""Plane shapes: areas, perimeters, containment."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float

    def distance(self, other: Point) -> float:
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass(frozen=True)
class Rect:
    left: float
    bottom: float
    width: float
    height: float

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError("width and height must not be negative")

    def area(self) -> float:
        return self.width * self.height

    def contains(self, x: float, y: float) -> bool:
        return self.left <= x <= self.left + self.width and self.bottom <= y <= self.bottom + self.height

    def intersection(self, other: Rect) -> Rect | None:
        left = max(self.left, other.left)
        bottom = max(self.bottom, other.bottom)
        right = min(self.left + self.width, other.left + other.width)
        top = min(self.bottom + self.height, other.bottom + other.height)
        if right < left or top < bottom:
            return None
        return Rect(left, bottom, right - left, top - bottom)


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    radius: float

    def area(self) -> float:
        return math.pi * self.radius**2

    def contains(self, x: float, y: float) -> bool:
        return math.hypot(x - self.cx, y - self.cy) <= self.radius


def polygon_area(points: list[tuple[float, float]]) -> float:
    """Shoelace formula; the sign says the orientation (positive: counter-clockwise)."""
    if len(points) < 3:
        raise ValueError("a polygon needs at least three points")
    total = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        total += x1 * y2 - x2 * y1
    return total / 2


def classify_triangle(a: float, b: float, c: float) -> str:
    sides = sorted((a, b, c))
    if sides[0] <= 0:
        return "invalid"
    if sides[0] + sides[1] <= sides[2]:
        return "degenerate" if sides[0] + sides[1] == sides[2] else "invalid"
    if a == b == c:
        return "equilateral"
    if a == b or b == c or a == c:
        return "isosceles"
    if math.isclose(sides[0] ** 2 + sides[1] ** 2, sides[2] ** 2):
        return "right"
    return "scalene"
