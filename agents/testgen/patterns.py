"""Strings that match a module's regular expressions: seeds for the parsers built on them.

A parser guarded by ``PATTERN.match(text)`` is out of reach of random strings; a string drawn
from the pattern's own syntax tree (``re``'s parser) gets past the guard. Samples are checked
with the pattern itself; one that does not match is dropped.
"""

from __future__ import annotations

import importlib
import random
import re
from typing import Any

try:  # Python 3.11+: the parser moved into the re package
    _sre_parse: Any = importlib.import_module("re._parser")
    _constants: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - Python 3.10
    _sre_parse = importlib.import_module("sre_parse")
    _constants = importlib.import_module("sre_constants")

_CATEGORY = {"DIGIT": "1", "NOT_DIGIT": "a", "WORD": "a", "NOT_WORD": "-", "SPACE": " ",
             "NOT_SPACE": "a"}  # fmt: skip
_MAX_EXTRA = 2  # repetitions beyond the minimum


def _category(value: Any) -> str:
    name = str(value).rsplit("_", 2)
    return _CATEGORY.get("_".join(name[-2:]), _CATEGORY.get(name[-1], "a"))


def _sample(items: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(av) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_in(av, rng))
        elif name == "BRANCH":
            out.append(_sample(rng.choice(av[1]), rng, groups))
        elif name == "SUBPATTERN":
            text = _sample(av[-1], rng, groups)
            if av[0] is not None:
                groups[av[0]] = text
            out.append(text)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = av
            top = low + _MAX_EXTRA if high == _constants.MAXREPEAT else min(high, low + _MAX_EXTRA)
            out.extend(_sample(sub, rng, groups) for _ in range(rng.randint(low, top)))
        elif name == "GROUPREF":
            out.append(groups.get(av, ""))
        elif name == "CATEGORY":
            out.append(_category(av))
        # AT (anchors), ASSERT, ASSERT_NOT: no text of their own
    return "".join(out)


def _in(items: Any, rng: random.Random) -> str:
    if items and str(items[0][0]) == "NEGATE":
        excluded = {chr(av) for op, av in items if str(op) == "LITERAL"}
        return next(c for c in "a1-_ #" if c not in excluded)
    op, av = rng.choice(items)
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "RANGE":
        return chr(rng.randint(av[0], av[1]))
    if name == "CATEGORY":
        return _category(av)
    return "a"


def samples(pattern: str, count: int = 6, seed: int = 0) -> list[str]:
    """Up to ``count`` distinct strings that ``pattern`` matches (possibly none)."""
    try:
        compiled = re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, TypeError, ValueError):
        return []
    rng = random.Random(seed)
    found: list[str] = []
    for _ in range(count * 3):
        try:
            text = _sample(tree, rng, {})
        except (RecursionError, ValueError, IndexError, TypeError):
            continue
        if text not in found and compiled.match(text):
            found.append(text)
        if len(found) >= count:
            break
    return found
