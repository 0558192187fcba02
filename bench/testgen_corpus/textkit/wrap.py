"""Wrapping and truncating text for terminals."""

from __future__ import annotations


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    if width < 0:
        raise ValueError("width must not be negative")
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]
    return text[: width - len(ellipsis)].rstrip() + ellipsis


def wrap(text: str, width: int = 40) -> list[str]:
    """Greedy word wrap; words longer than `width` are cut."""
    if width < 1:
        raise ValueError("width must be at least 1")
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def indent(lines: list[str], prefix: str = "  ", first: str | None = None) -> str:
    out = []
    for i, line in enumerate(lines):
        lead = first if (i == 0 and first is not None) else prefix
        out.append(lead + line if line else line)
    return "\n".join(out)


def center(text: str, width: int, fill: str = " ") -> str:
    if len(fill) != 1:
        raise ValueError("fill must be one character")
    gap = width - len(text)
    if gap <= 0:
        return text
    left = gap // 2
    return fill * left + text + fill * (gap - left)
