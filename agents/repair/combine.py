"""Two-location patches: when no single edit makes the failing tests pass, pairs of edits at
different places, most promising first.

Single candidates that made some of the failing tests pass (partial fixes) are paired with each
other first, then with the likeliest other candidates; last, the likeliest candidates with each
other. Both halves edit the same original text, so a pair is their edits side by side, as long
as they touch different lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

from aiap.models import CodePatch, Edit

TOP_SINGLES = 8  # likeliest single candidates paired blindly with each other
MAX_PAIRS = 120

Pair = tuple[CodePatch, CodePatch]


def _span(edit: Edit) -> tuple[int, int]:
    # An insertion (end_line == start_line - 1) sits at start_line.
    return edit.start_line, max(edit.start_line, edit.end_line)


def _apart(a: Sequence[Edit], b: Sequence[Edit]) -> bool:
    """No line of one is touched by the other, nor is an insertion made where the other edits."""
    for x in a:
        for y in b:
            if x.path != y.path:
                continue
            (x_lo, x_hi), (y_lo, y_hi) = _span(x), _span(y)
            if x_lo <= y_hi and y_lo <= x_hi:
                return False
    return True


def _identity(patch: CodePatch) -> str:
    return "".join(e.model_dump_json() for e in patch.edits)


def merge(a: CodePatch, b: CodePatch) -> CodePatch | None:
    """Both patches at once, or None when they touch the same lines."""
    if not _apart(a.edits, b.edits):
        return None
    first, second = sorted((a, b), key=lambda p: (p.edits[0].path, p.edits[0].start_line))
    return CodePatch(
        engine=first.engine if first.engine == second.engine else f"{first.engine}+{second.engine}",
        operator=f"{first.operator}+{second.operator}",
        description=f"{first.description}; {second.description}",
        edits=[*first.edits, *second.edits],
        score=min(a.score, b.score),
    )


def _complementary(partial: Sequence[tuple[CodePatch, frozenset[str]]]) -> list[Pair]:
    """Partial fixes two by two, those that together make the most failing tests pass first:
    the two halves of one fix each fix other tests; in the order tried otherwise."""
    ranked = sorted(combinations(partial, 2), key=lambda two: -len(two[0][1] | two[1][1]))
    return [(a, b) for (a, _), (b, _) in ranked]  # sorted() is stable: tried order kept


def pairs(
    partial: Sequence[tuple[CodePatch, frozenset[str]]], tried: Sequence[CodePatch]
) -> Iterator[CodePatch]:
    """Pairs to try, best first: partial fixes together, partial fixes with the likeliest
    candidates, then the likeliest candidates together (``tried`` is in the order tried).

    ``partial``: the candidates that made some of the failing tests pass, with those tests."""
    top = list(tried[:TOP_SINGLES])
    orders: list[Iterable[Pair]] = [
        _complementary(partial),
        ((p, t) for p, _ in partial for t in top),
        combinations(top, 2),
    ]
    seen: set[tuple[str, str]] = set()
    made = 0
    for order in orders:
        for a, b in order:
            x, y = sorted((_identity(a), _identity(b)))
            if x == y or (x, y) in seen:
                continue
            seen.add((x, y))
            pair = merge(a, b)
            if pair is None:
                continue
            yield pair
            made += 1
            if made >= MAX_PAIRS:
                return
