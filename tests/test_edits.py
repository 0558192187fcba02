"""How the size of a change is counted: tokens, with Python's operators whole."""

from __future__ import annotations

from aiap.edits import change_size, net_tokens, unified_diff


def test_an_operator_swap_is_one_token_whatever_its_length() -> None:
    assert change_size("x = a % b\n", "x = a // b\n") == 1
    assert change_size("x = a % b\n", "x = a / b\n") == 1
    assert change_size("ok = a < b\n", "ok = a <= b\n") == 1


def test_an_inserted_offset_counts_its_tokens() -> None:
    assert change_size("n = len(xs)\n", "n = len(xs) - 1\n") == 2


def test_identical_sources_have_size_zero() -> None:
    assert change_size("x = 1\n", "x = 1\n") == 0


def test_a_substitution_keeps_the_token_count_and_an_insertion_does_not() -> None:
    swap = unified_diff("m.py", "n += 1\n", "n -= 1\n")
    negate = unified_diff("m.py", "n += 1\n", "n += -1\n")
    assert change_size("n += 1\n", "n -= 1\n") == change_size("n += 1\n", "n += -1\n") == 1
    assert (net_tokens(swap), net_tokens(negate)) == (0, 1)
