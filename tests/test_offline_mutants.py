"""The offline engine's edits: what each operator family offers, at the lines asked, as code."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator

import libcst as cst
import pluggy
import pytest

from aiap import hookspecs
from aiap.edits import apply_edits
from aiap.hookspecs import RepairRequest
from aiap.models import Location, RunState
from aiap.offline import walk
from aiap.offline.context import Change, Context
from aiap.offline.families import FAMILIES
from aiap.offline.mutants import ModuleMutator, mutants_for_lines
from aiap.offline.operators import OPERATORS, Operator
from aiap.offline.plugin import OfflineEngine
from aiap.offline.priors import PRIORS, Priors


def sources(source: str, line: int) -> list[str]:
    return [m.new_source for m in mutants_for_lines(source, [line])]


def test_comparison_operator_offers_le_for_lt() -> None:
    assert "return a <= b\n" in sources("return a < b\n", 1)


def test_is_and_in_flip_to_their_negations() -> None:
    assert "x = a is not None\n" in sources("x = a is None\n", 1)
    assert "x = k not in d\n" in sources("x = k in d\n", 1)


def test_binary_operator_offers_division_for_multiplication() -> None:
    assert "y = a / b\n" in sources("y = a * b\n", 1)


def test_boolean_operator_swaps_and_drops_a_conjunct() -> None:
    offered = sources("ok = a and b\n", 1)
    assert "ok = a or b\n" in offered
    assert "ok = a\n" in offered and "ok = b\n" in offered


def test_a_conjunct_dropped_from_a_condition_on_several_lines_keeps_its_parentheses() -> None:
    source = "if (a or b\n        or c):\n    go()\n"
    offered = sources(source, 1)
    assert "if (a or b):\n    go()\n" in offered
    assert "if (c):\n    go()\n" in offered


def test_augmented_assignment_flips_minus_to_plus() -> None:
    assert "t += x\n" in sources("t -= x\n", 1)


def test_constant_moves_by_one_and_to_boundaries() -> None:
    offered = sources("n = 5\n", 1)
    assert {"n = 6\n", "n = 4\n", "n = 0\n", "n = 1\n", "n = -1\n"} <= set(offered)


def test_true_becomes_false() -> None:
    assert "flag = False\n" in sources("flag = True\n", 1)


def test_expression_offset_parenthesises_inside_arithmetic() -> None:
    offered = sources("total = n * k\n", 1)
    assert "total = (n - 1) * k\n" in offered


def test_expression_offset_on_a_range_bound_and_an_index() -> None:
    assert "r = range(n + 1)\n" in sources("r = range(n)\n", 1)
    assert "v = xs[i - 1]\n" in sources("v = xs[i]\n", 1)
    assert "v = xs[:n + 1]\n" in sources("v = xs[:n]\n", 1)


def test_variable_replacement_uses_names_bound_in_the_function() -> None:
    source = (
        "def f(low, high, value):\n    if value > high:\n        return low\n    return value\n"
    )
    assert "        return high\n" in "".join(sources(source, 3))


def test_an_attribute_is_replaced_by_another_the_module_uses_on_the_same_name() -> None:
    source = (
        "import os\n\n"
        "class Dirs:\n"
        "    def __init__(self, name, version):\n"
        "        self.name, self.version = name, version\n\n"
        "    def parts(self):\n"
        "        return [self.name, self.name]\n\n"  # line 8: the second was meant as version
        "def paths(text):\n"
        "    return text.split(os.sep)\n"  # line 11: os.pathsep was meant
        "SEP = os.pathsep\n"
    )
    assert "        return [self.name, self.version]\n" in "".join(sources(source, 8))
    assert "    return text.split(os.pathsep)\n" in "".join(sources(source, 11))


def test_a_method_called_is_not_replaced_by_an_attribute() -> None:
    source = "def f(path):\n    path.touch()\n    return path.parent\n"
    assert "    path.parent()\n" not in "".join(sources(source, 2))


def test_method_call_replaced_by_its_confusable_sibling() -> None:
    assert "s = tag.strip()\n" in sources("s = tag.rstrip()\n", 1)


def test_pop_front_and_pop_back_swap() -> None:
    assert "x = queue.pop()\n" in sources("x = queue.pop(0)\n", 1)
    assert "x = stack.pop(0)\n" in sources("x = stack.pop()\n", 1)


def test_bisect_left_becomes_bisect_right_and_the_import_follows() -> None:
    source = "from bisect import bisect_left\n\ni = bisect_left(xs, x)\n"
    expected = "from bisect import bisect_right\n\ni = bisect_right(xs, x)\n"
    assert expected in sources(source, 3)


def test_the_import_keeps_a_name_still_used_elsewhere() -> None:
    source = "from bisect import bisect_left\n\ni = bisect_left(xs, x)\nj = bisect_left(ys, y)\n"
    expected = (
        "from bisect import bisect_left, bisect_right\n\n"
        "i = bisect_right(xs, x)\nj = bisect_left(ys, y)\n"
    )
    assert expected in sources(source, 3)


def test_argument_swap_for_calls_and_non_commutative_operators() -> None:
    assert "p = percent(total, part)\n" in sources("p = percent(part, total)\n", 1)
    assert "d = b - a\n" in sources("d = a - b\n", 1)


def test_argument_deletion_drops_the_last_argument_keeping_the_calls_layout() -> None:
    offered = sources("v = cls(major, minor + 1, patch)\n", 1)
    assert "v = cls(major, minor + 1)\n" in offered
    assert "v = cls(major, patch)\n" not in offered
    assert "d.mkdir(parents=True)\n" in sources("d.mkdir(parents=True, exist_ok=True)\n", 1)
    assert "f(\n    a,\n)\n" in sources("f(\n    a,\n    b,\n)\n", 1)
    assert "f()\n" not in sources("f(a)\n", 1)


def test_star_arguments_are_neither_dropped_nor_offset() -> None:
    offered = sources("g(x, *args, **kwargs)\n", 1)
    assert not [s for s in offered if "g(x, *args)" in s or "g(*args, **kwargs)" in s]
    assert not [s for s in offered if "args - 1" in s or "args + 1" in s]


def test_condition_negation_and_dropping_a_not() -> None:
    assert "if not ready:\n    go()\n" in sources("if ready:\n    go()\n", 1)
    assert "if ready:\n    go()\n" in sources("if not ready:\n    go()\n", 1)


def test_return_value_replaced_by_none() -> None:
    assert "def f():\n    return None\n" in sources("def f():\n    return 1\n", 2)


def test_statement_deletion_removes_a_line() -> None:
    source = "def f(xs):\n    t = 0\n    t = 1\n    return t\n"
    assert "def f(xs):\n    t = 0\n    return t\n" in sources(source, 3)


def test_statement_deletion_leaves_pass_in_an_emptied_block() -> None:
    source = "def f(x):\n    if x:\n        x.close()\n    return x\n"
    assert "def f(x):\n    if x:\n        pass\n    return x\n" in sources(source, 3)


def test_asserts_and_imports_are_never_deleted() -> None:
    source = "import os\n\n\ndef f(x):\n    assert x > 0\n    return os.sep\n"
    for mutant in mutants_for_lines(source, [1, 5]):
        assert "import os\n" in mutant.new_source
        assert "    assert " in mutant.new_source
        assert mutant.operator != "statement_deletion"


def test_comments_and_formatting_are_preserved() -> None:
    source = "def f(a,  b):  # keep me\n    return a<b   # and me\n"
    assert "def f(a,  b):  # keep me\n    return a<=b   # and me\n" in sources(source, 2)


def test_mutants_are_only_on_requested_lines() -> None:
    source = "a = 1\nb = 2\nc = 3\n"
    for mutant in mutants_for_lines(source, [2]):
        assert mutant.line == 2
        assert mutant.new_source.startswith("a = 1\n") and mutant.new_source.endswith("c = 3\n")


def test_no_duplicate_or_no_op_mutants() -> None:
    source = "flag = True\nx = n * 2\n"
    offered = [m.new_source for m in mutants_for_lines(source, [1, 2])]
    assert len(offered) == len(set(offered))
    assert source not in offered


def test_the_engine_yields_patches_that_reproduce_the_mutant_and_spare_test_files() -> None:
    pm = pluggy.PluginManager("aiap")
    pm.add_hookspecs(hookspecs)
    pm.register(OfflineEngine(), name="offline")
    source = "def avg(xs):\n    return sum(xs) * len(xs)\n"
    request = RepairRequest(
        root="/nonexistent",
        failures=[],
        locations=[
            Location(path="test_avg.py", start_line=1, end_line=1, score=1.0),
            Location(path="avg.py", start_line=2, end_line=2, score=0.9),
        ],
        sources={"avg.py": source, "test_avg.py": "def test_x():\n    assert 1 == 2\n"},
        test_files=["test_avg.py"],
    )
    patches = [p for result in pm.hook.aiap_propose_patches(request=request) for p in result]
    assert patches and all(e.path == "avg.py" for p in patches for e in p.edits)
    fixed = "def avg(xs):\n    return sum(xs) / len(xs)\n"
    assert fixed in {apply_edits(source, p.edits) for p in patches}


def test_a_negative_literal_is_varied_as_one_number() -> None:
    offered = sources("c = word[-1]\n", 1)
    assert "c = word[0]\n" in offered
    assert "c = word[-0]\n" not in offered


def test_powers_of_ten_for_a_wrong_scale() -> None:
    assert "rate = pct / 100\n" in sources("rate = pct / 10\n", 1)


def test_a_running_maximum_may_start_from_the_first_item() -> None:
    source = "def warmest(xs):\n    best = 0\n    for x in xs:\n        best = max(best, x)\n"
    assert "    best = xs[0]\n" in "".join(sources(source, 2))


def test_identity_edits_are_not_offered() -> None:
    offered = sources("n = days + 1\n", 1)
    assert "n = days\n" in offered  # the offset dropped, the honest way
    assert "n = days * 1\n" not in offered and "n = days + 0\n" not in offered
    assert "n = days % 1\n" not in offered  # 0 for integers: a deletion all the same


def test_a_swapped_operator_is_offered_as_typed_and_in_place() -> None:
    offered = sources("n = a - b + c\n", 1)
    assert "n = a - b * c\n" in offered  # the typo: Python reads it as a - (b * c)
    assert "n = (a - b) * c\n" in offered  # `+` -> `*` in place on `(a - b) + c`


def test_swapped_operands_keep_their_grouping() -> None:
    assert "n = c - (a - b)\n" in sources("n = a - b - c\n", 1)


def test_the_nearest_arithmetic_operator_is_offered_first() -> None:
    offered = [s for s in sources("i = int(v % w)\n", 1) if "%" not in s]
    assert offered[:2] == ["i = int(v // w)\n", "i = int(v / w)\n"]


def test_the_boundary_of_a_comparison_is_offered_first() -> None:
    offered = [s for s in sources("ok = a > b\n", 1) if " b" in s and s.startswith("ok = a ")]
    assert offered[:2] == ["ok = a >= b\n", "ok = a < b\n"]


def test_operand_insertion_brings_in_a_name_of_the_function() -> None:
    source = "def recent(calls, now, window):\n    return [t for t in calls if t > window]\n"
    assert "    return [t for t in calls if t > now - window]\n" in "".join(sources(source, 2))


def test_operand_insertion_brings_in_a_dataclass_field() -> None:
    source = (
        "@dataclass\nclass Item:\n    price: float\n    quantity: int\n\n"
        "    def value(self):\n        return self.price\n"
    )
    assert any("return self.price * self.quantity" in s for s in sources(source, 7))


def test_ordering_turns_a_sort_round_in_whole_or_by_one_key() -> None:
    offered = sources("ranked = sorted(xs, key=lambda kv: (kv[1], kv[0]))\n", 1)
    assert "ranked = sorted(xs, key=lambda kv: (kv[1], kv[0]), reverse=True)\n" in offered
    assert "ranked = sorted(xs, key=lambda kv: (-kv[1], kv[0]))\n" in offered
    assert "xs.sort(reverse=True)\n" in sources("xs.sort()\n", 1)


def test_ordering_leaves_an_explicit_reverse_to_the_constant_edit() -> None:
    offered = sources("ys = sorted(xs, reverse=False)\n", 1)
    assert "ys = sorted(xs, reverse=False, reverse=True)\n" not in offered
    assert "ys = sorted(xs, reverse=True)\n" in offered


def test_an_assigned_value_gets_offsets_too() -> None:
    assert "    hi = mid - 1\n" in "".join(sources("def f(mid):\n    hi = mid\n", 2))
    assert "c = d.get(w, 0) + 1\n" in sources("c = d.get(w, 0)\n", 1)


def test_a_compared_side_is_offset_only_where_no_other_boundary_does_it() -> None:
    offered = sources("ok = size >= limit\n", 1)
    assert "ok = size > limit\n" in offered
    assert "ok = size >= limit + 1\n" not in offered  # that is `size > limit`
    assert "ok = size - 1 >= limit\n" not in offered  # so is this
    assert "ok = size >= limit - 1\n" in offered  # no operator gives these
    assert "ok = size + 1 >= limit\n" in offered


def test_a_compared_literal_is_not_moved_where_a_boundary_swap_does_it() -> None:
    offered = sources("if 0 < timeout < limit:\n    wait()\n", 1)
    assert "if 0 <= timeout < limit:\n    wait()\n" in offered
    assert "if -1 < timeout < limit:\n    wait()\n" not in offered  # that is `0 <=`
    assert "if 1 < timeout < limit:\n    wait()\n" in offered
    offered = sources("ok = age > 17\n", 1)
    assert "ok = age > 16\n" not in offered  # that is `age >= 17`
    assert "ok = age > 18\n" in offered


def test_an_offset_is_not_stacked_on_an_offset() -> None:
    offered = sources("for _ in range(n - 1):\n    pass\n", 1)
    assert "for _ in range(n - 1 + 1):\n    pass\n" not in offered
    assert "for _ in range(n):\n    pass\n" in offered


def test_an_index_may_count_from_the_other_end() -> None:
    assert "    return sorted(xs)[-k]\n" in "".join(
        sources("def f(xs, k):\n    return sorted(xs)[k]\n", 2)
    )


def test_a_guard_may_return_zero_or_an_empty_list() -> None:
    offered = "".join(sources("def mean(xs):\n    return sum(xs) / len(xs)\n", 2))
    assert "    if not xs:\n        return 0\n" in offered
    assert "    if not xs:\n        return []\n" in offered


def test_every_family_has_operators_in_the_table_and_nothing_else_does() -> None:
    assert {op.family for ops in OPERATORS.values() for op in ops} == set(FAMILIES)


def test_each_operator_in_the_table_is_filed_under_its_node_type() -> None:
    assert all(op.node is kind for kind, ops in OPERATORS.items() for op in ops)


def test_edits_at_a_line_come_family_by_family_in_family_order() -> None:
    source = "def f(xs, n):\n    return sorted(xs)[n - 1] < len(xs) and n > 0\n"
    ranks = [FAMILIES.index(m.operator) for m in mutants_for_lines(source, [2])]
    assert len(set(ranks)) > 3 and ranks == sorted(ranks)


def test_the_shipped_priors_name_every_family() -> None:
    assert set(PRIORS) == set(FAMILIES)


def test_a_prior_for_an_unknown_family_is_an_error() -> None:
    priors = {**{family: 0.5 for family in FAMILIES}, "constnat": 0.5}
    with pytest.raises(ValueError, match="constnat"):
        Priors.model_validate_json(json.dumps(priors))


def test_a_family_missing_from_the_priors_is_an_error() -> None:
    priors = {family: 0.5 for family in FAMILIES if family != "guard"}
    with pytest.raises(ValueError, match="no prior for guard"):
        Priors.model_validate_json(json.dumps(priors))


def test_each_patch_carries_the_prior_of_its_family() -> None:
    request = RepairRequest(
        root="/nonexistent",
        failures=[],
        locations=[Location(path="m.py", start_line=1, end_line=2, score=1.0)],
        sources={"m.py": "n = a * b\nok = n < 3\n"},
    )
    patches = list(OfflineEngine().aiap_propose_patches(request))
    assert len({p.operator for p in patches}) > 3
    assert all(p.prior == PRIORS[p.operator] for p in patches)


def _in_engine_order(source: str, scores: dict[int, float]) -> list[str]:
    """The offline engine's candidates for m.py, lines scored as given, as patched sources."""
    locations = [
        Location(path="m.py", start_line=n, end_line=n, score=s) for n, s in scores.items()
    ]
    request = RepairRequest(
        root="/nonexistent", failures=[], locations=locations, sources={"m.py": source}
    )
    return [apply_edits(source, p.edits) for p in OfflineEngine().aiap_propose_patches(request)]


def test_a_line_of_many_literals_makes_way_for_the_likeliest_edit_of_the_next_line() -> None:
    source = "bounds = [31, 59, 90, 120, 151, 181]\nok = day < bound\n"
    offered = _in_engine_order(source, {1: 1.0, 2: 0.9})
    boundary = offered.index("bounds = [31, 59, 90, 120, 151, 181]\nok = day <= bound\n")
    last_literal_far_off = offered.index(
        "bounds = [31, 59, 90, 120, 151, 1810]\nok = day < bound\n"
    )
    assert boundary < last_literal_far_off  # not after all 36 edits of the six literals


def test_arguments_of_a_pair_given_second_first_are_swapped_before_lines_offsets() -> None:
    source = "def compare(a_parts, b_parts):\n    return cmp(len(b_parts), len(a_parts))\n"
    offered = _in_engine_order(source, {2: 1.0})
    swapped = offered.index(
        "def compare(a_parts, b_parts):\n    return cmp(len(a_parts), len(b_parts))\n"
    )
    assert swapped < 3  # not after the offsets of each call and name on the line


def test_arguments_not_of_a_pair_keep_the_swaps_own_rank() -> None:
    source = "def compare(old, size):\n    return cmp(len(size), len(old))\n"
    offered = _in_engine_order(source, {2: 1.0})
    swapped = offered.index("def compare(old, size):\n    return cmp(len(old), len(size))\n")
    assert swapped > 3


def test_a_like_named_attribute_comes_before_the_others_of_the_same_name() -> None:
    source = (
        "import os\n\n"
        "def paths(text):\n"
        "    home = os.environ.get('HOME', os.path.sep)\n"
        "    return text.split(os.sep)\n"  # line 5: os.pathsep was meant
        "SEP = os.pathsep\n"
    )
    offered = [s.splitlines()[4] for s in _in_engine_order(source, {5: 1.0})]
    split_on = re.compile(r"    return text.split\(os\.\w+\)")
    attributes = [line for line in offered if split_on.fullmatch(line)]
    assert attributes[0] == "    return text.split(os.pathsep)"


@pytest.mark.parametrize("line", [1, 3])
def test_a_byte_order_mark_is_kept_and_line_ones_edits_land_where_they_belong(line: int) -> None:
    source = "\ufeffLIMIT = 3\ndef f(x):\n    return x < LIMIT\n"
    spliced = ModuleMutator(source, [line])
    whole = ModuleMutator(source, [line], splice=False)
    mutants = [spliced.render(site) for site in spliced.sites]
    assert mutants and all(m is not None and m.new_source.startswith("\ufeff") for m in mutants)
    assert [m and m.new_source for m in mutants] == [
        m and m.new_source for m in (whole.render(site) for site in whole.sites)
    ]
    if line == 1:
        assert "\ufeffLIMIT = 4\n" in "".join(m.new_source[:12] for m in mutants if m)


# -- crashes on real code: one edit skipped, never the module ------------------------------------
def test_an_empty_tuple_returned_is_wrapped_with_its_parentheses() -> None:
    source = "def f(x):\n    g(x)\n    return ()\n"
    assert "def f(x):\n    g(x)\n    return g(())\n" in sources(source, 3)


def test_a_wrapped_tuple_stays_one_argument() -> None:
    source = "def f(x):\n    g(x)\n    return (x, 1)\n"
    offered = sources(source, 3)
    assert "def f(x):\n    g(x)\n    return g((x, 1))\n" in offered
    assert "def f(x):\n    g(x)\n    return g(x, 1)\n" not in offered


def test_a_wrapped_yield_keeps_its_parentheses() -> None:
    source = "def f(x):\n    g(x)\n    y = (yield x)\n"
    assert "def f(x):\n    g(x)\n    y = g((yield x))\n" in sources(source, 3)


def test_a_bare_generator_gets_its_parentheses_beside_reverse() -> None:
    offered = sources("ys = sorted(x for x in xs)\n", 1)
    assert "ys = sorted((x for x in xs), reverse=True)\n" in offered


def test_a_module_with_an_empty_tuple_elsewhere_still_gets_its_edits() -> None:
    source = "def f(x):\n    g(x)\n    return ()\n\n\ndef h(a, b):\n    return a < b\n"
    assert "def h(a, b):\n    return a <= b\n" in "".join(sources(source, 7))


def _raising(node: cst.Integer, ctx: Context) -> Iterator[Change]:
    yield Change(node, cst.Integer("41"), "41")
    raise RuntimeError("operator bug\nsecond line")


def test_an_operator_that_raises_loses_only_its_remaining_edits_of_that_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = {**OPERATORS, cst.Integer: (Operator(cst.Integer, "constant", _raising),)}
    monkeypatch.setattr(walk, "OPERATORS", table)
    mutator = ModuleMutator("n = a < 3\n", [1])
    offered = [m.new_source for s in mutator.sites if (m := mutator.render(s)) is not None]
    assert "n = a <= 3\n" in offered and "n = a < 41\n" in offered
    assert mutator.skips.count == 1
    assert mutator.skips.first == "constant: RuntimeError: operator bug"


def test_operators_are_not_asked_about_nodes_away_from_the_lines_wanted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = {**OPERATORS, cst.Integer: (Operator(cst.Integer, "constant", _raising),)}
    monkeypatch.setattr(walk, "OPERATORS", table)
    assert ModuleMutator("n = 3\nm = a < b\n", [2]).skips.count == 0


def test_a_render_that_raises_is_skipped_and_counted() -> None:
    mutator = ModuleMutator("n = a < b\nm = c\n", [1])
    first, *others = mutator.sites
    edit = mutator._edits[first.index][1]
    broken = Change(edit.change.old, edit.change.new, "x", after=_explode)
    mutator._edits[first.index] = (1, walk.Planned(edit.family, broken))
    assert mutator.render(first) is None
    assert all(mutator.render(site) is not None for site in others)
    assert mutator.skips.count == 1
    assert mutator.skips.first == f"{edit.family}: ValueError: render bug"


def _explode(tree: cst.Module) -> cst.Module:
    raise ValueError("render bug")


def test_a_render_that_does_not_parse_is_dropped_and_counted() -> None:
    mutator = ModuleMutator("n = a < b\n", [1])
    site = mutator.sites[0]
    edit = mutator._edits[site.index][1]
    # Nodes libcst accepts but whose code is no Python: `a + not b`.
    operand = cst.UnaryOperation(operator=cst.Not(), expression=cst.Name("b"))
    wrong = cst.BinaryOperation(left=cst.Name("a"), operator=cst.Add(), right=operand)
    bad = Change(edit.change.old, wrong, "a + not b")
    mutator._edits[site.index] = (1, walk.Planned(edit.family, bad))
    assert mutator.render(site) is None
    assert mutator.skips.count == 1
    assert (mutator.skips.first or "").startswith(f"{edit.family}: unparseable: SyntaxError")


def test_every_mutant_offered_parses() -> None:
    source = "def f(xs, n):\n    if xs:\n        return sorted(xs)[n - 1] < len(xs)\n"
    for mutant in mutants_for_lines(source, [1, 2, 3]):
        ast.parse(mutant.new_source)


def test_an_inserted_statement_leaves_the_comment_above_its_neighbour() -> None:
    source = "def f(xs):\n    seen.add(xs)\n    n = 1\n    # the end\n    return xs\n"
    offered = "".join(sources(source, 5))
    assert "    n = 1\n    seen.add(xs)\n    # the end\n    return xs\n" in offered
    assert "    # the end\n    return xs\n    seen.add(xs)\n" in offered


def _request_with_a_broken_operator(source: str) -> RepairRequest:
    return RepairRequest(
        root="/nonexistent",
        failures=[],
        locations=[Location(path="m.py", start_line=1, end_line=1, score=1.0)],
        sources={"m.py": source},
    )


def test_the_engine_says_once_how_many_edits_it_skipped_and_the_first_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = {**OPERATORS, cst.Integer: (Operator(cst.Integer, "constant", _raising),)}
    monkeypatch.setattr(walk, "OPERATORS", table)
    engine = OfflineEngine()
    patches = list(engine.aiap_propose_patches(_request_with_a_broken_operator("n = 3 < a\n")))
    list(engine.aiap_propose_patches(_request_with_a_broken_operator("n = 4 < a\n")))
    assert patches  # the other edits are offered
    state = RunState()
    engine.aiap_search_finished(state)
    assert state.messages == [
        "offline engine: 2 candidate edit(s) skipped (first: constant: RuntimeError: operator bug)"
    ]


def test_the_skip_count_starts_afresh_after_a_search() -> None:
    table = {**OPERATORS, cst.Integer: (Operator(cst.Integer, "constant", _raising),)}
    engine = OfflineEngine()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(walk, "OPERATORS", table)
        list(engine.aiap_propose_patches(_request_with_a_broken_operator("n = 3 < a\n")))
    engine.aiap_search_finished(RunState())
    list(engine.aiap_propose_patches(_request_with_a_broken_operator("n = 3 < a\n")))
    state = RunState()
    engine.aiap_search_finished(state)
    assert state.messages == []


def test_a_module_without_a_final_newline_is_planned_and_rendered() -> None:
    source = "def f(xs):\n    seen = set()\n    seen.add(xs)\n    return seen"
    mutator = ModuleMutator(source, [1, 2, 3, 4])
    rendered = [mutator.render(site) for site in mutator.sites]
    assert mutator.skips.count == 0, mutator.skips.reasons
    assert any(m and "seen.add(xs)\n    seen.add(xs)" not in m.new_source for m in rendered)
    assert all(m is None or not m.new_source.endswith("\n") for m in rendered)
