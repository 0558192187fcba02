"""Two-location patches: pairs of single edits at different places."""

from __future__ import annotations

from aiap.edits import apply_edits
from aiap.models import CodePatch, Edit
from aiap.repair.combine import merge, pairs

SOURCE = "a = 1\nb = 2\nc = 3\nd = 4\n"


def _patch(line: int, text: str, name: str) -> CodePatch:
    edit = Edit(path="m.py", start_line=line, end_line=line, new_text=text)
    return CodePatch(engine="offline", operator=name, description=name, edits=[edit])


def _insertion(line: int, text: str) -> CodePatch:
    edit = Edit(path="m.py", start_line=line, end_line=line - 1, new_text=text)
    return CodePatch(engine="offline", operator="insert", description="insert", edits=[edit])


def test_a_pair_applies_both_edits_to_the_original() -> None:
    pair = merge(_patch(1, "a = 10\n", "x"), _patch(4, "d = 40\n", "y"))
    assert pair is not None
    assert apply_edits(SOURCE, pair.edits) == "a = 10\nb = 2\nc = 3\nd = 40\n"
    assert pair.operator == "x+y"


def test_edits_on_the_same_line_are_not_paired() -> None:
    assert merge(_patch(2, "b = 0\n", "x"), _patch(2, "b = 9\n", "y")) is None


def test_edits_on_neighbouring_lines_are_paired() -> None:
    pair = merge(_patch(2, "b = 0\n", "x"), _patch(3, "c = 0\n", "y"))
    assert pair is not None
    assert apply_edits(SOURCE, pair.edits) == "a = 1\nb = 0\nc = 0\nd = 4\n"


def test_an_insertion_where_the_other_edits_is_not_paired() -> None:
    assert merge(_patch(3, "c = 0\n", "x"), _insertion(3, "e = 5\n")) is None


def test_an_insertion_pairs_with_an_edit_two_lines_away() -> None:
    pair = merge(_patch(1, "a = 0\n", "x"), _insertion(4, "e = 5\n"))
    assert pair is not None
    assert apply_edits(SOURCE, pair.edits) == "a = 0\nb = 2\nc = 3\ne = 5\nd = 4\n"


def test_partial_fixes_are_paired_first_then_with_the_likeliest_candidates() -> None:
    p1, p2 = _patch(1, "a = 0\n", "p1"), _patch(4, "d = 0\n", "p2")
    t1, t2 = _patch(2, "b = 0\n", "t1"), _patch(1, "a = 9\n", "t2")
    partial = [(p1, frozenset({"test_a"})), (p2, frozenset({"test_b"}))]
    found = [p.operator for p in pairs(partial, [t1, p1, t2])]
    assert found[0] == "p1+p2"
    assert found[1:4] == ["p1+t1", "t1+p2", "t2+p2"]
    assert "p1+t2" not in found and "t2+p1" not in found  # the same line
    assert found[-1] == "t2+t1"
    assert len(found) == len(set(found))


def test_partial_fixes_that_fix_different_tests_are_paired_before_those_that_fix_the_same() -> None:
    same1, same2 = _patch(1, "a = 0\n", "same1"), _patch(2, "b = 0\n", "same2")
    other = _patch(4, "d = 0\n", "other")
    partial = [
        (same1, frozenset({"test_a"})),
        (same2, frozenset({"test_a"})),
        (other, frozenset({"test_b"})),
    ]
    found = [p.operator for p in pairs(partial, [])]
    assert found == ["same1+other", "same2+other", "same1+same2"]
