"""Converting identifiers between snake_case, camelCase, kebab-case and Title Case."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[_\-\s]+")
SMALL_WORDS = {"a", "an", "and", "of", "the", "to", "in", "on", "or"}


def words(identifier: str) -> list[str]:
    return [w.lower() for w in _BOUNDARY.split(identifier) if w]


def to_snake(identifier: str) -> str:
    return "_".join(words(identifier))


def to_kebab(identifier: str) -> str:
    return "-".join(words(identifier))


def to_camel(identifier: str, upper_first: bool = False) -> str:
    parts = words(identifier)
    if not parts:
        return ""
    head = parts[0].capitalize() if upper_first else parts[0]
    return head + "".join(p.capitalize() for p in parts[1:])


def to_title(identifier: str) -> str:
    parts = words(identifier)
    out = []
    for i, word in enumerate(parts):
        if 0 < i < len(parts) - 1 and word in SMALL_WORDS:
            out.append(word)
        else:
            out.append(word.capitalize())
    return " ".join(out)


def detect(identifier: str) -> str:
    if not identifier:
        return "empty"
    if "_" in identifier:
        return "snake" if identifier == identifier.lower() else "screaming" if identifier.isupper() else "mixed"
    if "-" in identifier:
        return "kebab"
    if " " in identifier:
        return "words"
    if identifier[0].isupper():
        return "pascal"
    if any(c.isupper() for c in identifier):
        return "camel"
    return "lower"
