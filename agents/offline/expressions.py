"""The operator families that edit expressions: each function takes a node and its context and
yields the changes of one family (agents/offline/operators.py says which)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import libcst as cst

from aiap.offline import near
from aiap.offline.context import Change, Context
from aiap.offline.rewrite import code, follow_import, paren, regrouped, spaced_like, with_comma

MAX_WRAPS = 5  # one-argument callees tried per wrapped expression
MAX_NAMES = 8  # replacement names tried per variable occurrence
# Swapping `f(b_x, a_x)` into `f(a_x, b_x)`: the code says which order it meant.
PAIRED_SWAP_WEIGHT = 3.0
SIMILAR_NAME, SIMILAR_NAME_WEIGHT = 0.6, 2.0  # difflib's ratio, and the weight above it
_NOT_OPERANDS = ("self", "cls", "True", "False", "None")
_NON_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)
# The literal that makes an operation a no-op: `+ 0` and `* 1` hide a deletion.
_NEUTRAL = {cst.Add: 0, cst.Subtract: 0, cst.Multiply: 1, cst.Divide: 1}


def _changed(old: cst.CSTNode, new: cst.CSTNode) -> Change:
    return Change(old, new, code(new))


# -- comparison_operator ------------------------------------------------------------------------
def swap_comparison(node: cst.Comparison, ctx: Context) -> Iterator[Change]:
    for i, target in enumerate(node.comparisons):
        op = target.operator
        swaps: list[cst.BaseCompOp] = []
        if type(op) in near.COMPARISON:
            swaps = [spaced_like(kind, op) for kind in near.COMPARISON[type(op)]]
        elif isinstance(op, cst.Is):
            swaps = [cst.IsNot()]
        elif isinstance(op, cst.IsNot):
            swaps = [cst.Is()]
        elif isinstance(op, cst.In):
            swaps = [cst.NotIn()]
        elif isinstance(op, cst.NotIn):
            swaps = [cst.In()]
        for new_op in swaps:
            comparisons = list(node.comparisons)
            comparisons[i] = target.with_changes(operator=new_op)
            yield _changed(node, node.with_changes(comparisons=comparisons))


# -- binary_operator ----------------------------------------------------------------------------
def _identity(kind: type, node: cst.BinaryOperation) -> bool:
    """`e * 1`, `e / 1`, `1 ** e`, `e - 0`...: an operator swap that only hides a deletion."""

    def is_int(expr: cst.BaseExpression, value: str) -> bool:
        return isinstance(expr, cst.Integer) and expr.value == value

    # `e % 1` is not `e`, but it is 0 for integers: a deletion in disguise all the same.
    one_right = (cst.Multiply, cst.Divide, cst.FloorDivide, cst.Power, cst.Modulo)
    if kind in one_right and is_int(node.right, "1"):
        return True
    if kind is cst.Power and is_int(node.left, "1"):
        return True
    return kind in (cst.Add, cst.Subtract) and is_int(node.right, "0")


def swap_arithmetic(node: cst.BinaryOperation, ctx: Context) -> Iterator[Change]:
    op = node.operator
    group = near.ARITHMETIC.get(type(op), near.BITWISE if type(op) in near.BITWISE else [])
    for kind in group:
        if kind is not type(op) and not _identity(kind, node):
            # The typo (`+` typed for `*`: Python regroups the operands around the new
            # operator) and the operator swapped in place, when the two differ.
            typed = node.with_changes(operator=spaced_like(kind, op))
            yield _changed(node, typed)
            grouped = regrouped(typed)
            if grouped is not typed:
                yield _changed(node, grouped)


# -- boolean_operator ---------------------------------------------------------------------------
def swap_boolean(node: cst.BooleanOperation, ctx: Context) -> Iterator[Change]:
    op = node.operator
    kind = cst.Or if isinstance(op, cst.And) else cst.And
    yield _changed(node, node.with_changes(operator=spaced_like(kind, op)))
    # A conjunct too many: keep one side, in the parentheses that may hold its lines together.
    for side in (node.left, node.right):
        if node.lpar:
            side = side.with_changes(lpar=[*node.lpar, *side.lpar], rpar=[*side.rpar, *node.rpar])
        yield _changed(node, side)


# -- augmented_assignment -----------------------------------------------------------------------
def swap_augmented(node: cst.AugAssign, ctx: Context) -> Iterator[Change]:
    op = node.operator
    if type(op) in near.AUGMENTED:
        for kind in near.AUGMENTED:
            if kind is not type(op):
                yield _changed(node, node.with_changes(operator=spaced_like(kind, op)))


# An ordering comparison with one side one off is the other boundary (`a < b + 1` is
# `a <= b`): the comparison_operator edit offers that, as its developer would write it. The
# offset kept is the one no operator swap gives. Keyed by the operator: (left, right) kept.
_KEPT_OFFSETS: dict[type[cst.BaseCompOp], tuple[str, str]] = {
    cst.LessThan: ("+", "-"),
    cst.GreaterThanEqual: ("+", "-"),
    cst.LessThanEqual: ("-", "+"),
    cst.GreaterThan: ("-", "+"),
}


# -- constant -----------------------------------------------------------------------------------
def _numbers(
    node: cst.BaseExpression, literal: cst.Integer, neutral: int | None, ctx: Context
) -> Iterator[Change]:
    """The literal (negated when `node` is `-literal`) one off, at a boundary, or ten times off;
    never the value that makes its operation a no-op, nor one that only moves a comparison's
    boundary (`0 < t` -> `-1 < t` is `0 <= t`, which the comparison edit offers)."""
    try:
        value = int(literal.evaluated_value)
    except (TypeError, ValueError):
        return
    if node is not literal:
        value = -value
    kept = _kept_direction(node, ctx)
    boundary = None if kept is None else value - 1 if kept == "+" else value + 1
    tens = (value * 10, value // 10) if value and value % 10 == 0 else (value * 10,)
    for new_value in dict.fromkeys((value + 1, value - 1, 0, 1, -1, *tens)):
        if new_value in (value, neutral, boundary):
            continue
        new: cst.BaseExpression = (
            cst.Integer(str(new_value))
            if new_value >= 0
            else cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer(str(-new_value)))
        )
        yield _changed(node, new)


def vary_integer(node: cst.Integer, ctx: Context) -> Iterator[Change]:
    parent = ctx.parent
    if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Minus):
        return  # `-1` is one literal: vary_negative varies it whole
    neutral = None
    if isinstance(parent, cst.BinaryOperation) and parent.right is node:
        neutral = _NEUTRAL.get(type(parent.operator))
    yield from _numbers(node, node, neutral, ctx)


def vary_negative(node: cst.UnaryOperation, ctx: Context) -> Iterator[Change]:
    if isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
        yield from _numbers(node, node.expression, None, ctx)


def _kept_direction(node: cst.BaseExpression, ctx: Context) -> str | None:
    """For a side of an ordering comparison, the offset no boundary swap gives ("+" or "-")."""
    parent = ctx.parent
    if isinstance(parent, cst.Comparison) and parent.left is node:
        kept = _KEPT_OFFSETS.get(type(parent.comparisons[0].operator))
        return kept[0] if kept else None
    if isinstance(parent, cst.ComparisonTarget) and parent.comparator is node:
        kept = _KEPT_OFFSETS.get(type(parent.operator))
        return kept[1] if kept else None
    return None


def flip_bool(node: cst.Name, ctx: Context) -> Iterator[Change]:
    if node.value in ("True", "False") and _read(node, ctx):
        new = cst.Name("False" if node.value == "True" else "True")
        yield Change(node, new, new.value)


def seed_extreme(node: cst.Assign, ctx: Context) -> Iterator[Change]:
    """A running maximum or minimum seeded with 0 instead of an extreme or a first item."""
    function = ctx.function
    if function is None or not isinstance(node.value, cst.Integer) or node.value.value != "0":
        return
    seeds = ['float("-inf")', 'float("inf")', "None"]
    seeds += [f"{p.name.value}[0]" for p in function.params.params
              if p.name.value not in ("self", "cls")]  # fmt: skip
    for seed in seeds:
        yield Change(node.value, cst.parse_expression(seed), seed)


# -- expression_offset --------------------------------------------------------------------------
def _offsets(expr: cst.BaseExpression, wrap: bool) -> Iterator[Change]:
    """`e - 1` and `e + 1`, in parentheses when `wrap`."""
    if not isinstance(
        expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BinaryOperation)
    ):
        return
    if isinstance(expr, cst.Name) and expr.value in _NOT_OPERANDS:
        return
    if (
        isinstance(expr, cst.BinaryOperation)
        and isinstance(expr.operator, (cst.Add, cst.Subtract))
        and isinstance(expr.right, (cst.Integer, cst.UnaryOperation))
    ):
        return  # `n - 1 + 1` only undoes an offset: the constant and dropping edits do that
    for op in (cst.Subtract(), cst.Add()):
        new = cst.BinaryOperation(left=expr, operator=op, right=cst.Integer("1"))
        yield _changed(expr, paren(new) if wrap else new)


def offset_operands(node: cst.BinaryOperation, ctx: Context) -> Iterator[Change]:
    if isinstance(node.operator, (cst.Add, cst.Subtract)) and isinstance(node.right, cst.Integer):
        left = node.left.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar else node.left
        yield _changed(node, left)  # an offset too many
    yield from _offsets(node.left, wrap=True)
    yield from _offsets(node.right, wrap=True)


# Identity and membership compare objects, not amounts: no operand arithmetic there.
_NOT_ARITHMETIC = (cst.Is, cst.IsNot, cst.In, cst.NotIn)


def offset_compared(node: cst.Comparison, ctx: Context) -> Iterator[Change]:
    if len(node.comparisons) != 1:
        return
    operator = node.comparisons[0].operator
    if isinstance(operator, _NOT_ARITHMETIC):
        return
    kept = _KEPT_OFFSETS.get(type(operator))
    for side, expr in enumerate((node.left, node.comparisons[0].comparator)):
        for change in _offsets(expr, wrap=False):
            new = change.new
            if kept is None or (
                isinstance(new, cst.BinaryOperation)
                and isinstance(new.operator, cst.Add if kept[side] == "+" else cst.Subtract)
            ):
                yield change


def offset_arguments(node: cst.Call, ctx: Context) -> Iterator[Change]:
    for arg in node.args:
        if not arg.star:  # `*args - 1` is not a number
            yield from _offsets(arg.value, wrap=False)


def offset_index(node: cst.Subscript, ctx: Context) -> Iterator[Change]:
    for element in node.slice:
        inner = element.slice
        if isinstance(inner, cst.Index):
            yield from _offsets(inner.value, wrap=False)
            if isinstance(inner.value, (cst.Name, cst.Attribute)):
                # `xs[k]` -> `xs[-k]`: counted from the wrong end.
                negated = cst.UnaryOperation(operator=cst.Minus(), expression=inner.value)
                yield _changed(inner.value, negated)
        elif isinstance(inner, cst.Slice):
            for bound in (inner.lower, inner.upper):
                if bound is not None:
                    yield from _offsets(bound, wrap=False)


def offset_value(node: cst.Assign | cst.Return, ctx: Context) -> Iterator[Change]:
    if node.value is not None:
        yield from _offsets(node.value, wrap=False)


# -- call_replacement ---------------------------------------------------------------------------
def _similar_callees(name: str, ctx: Context) -> list[str]:
    known = near.CALLEES.get(name, [])
    similar = [
        other
        for other in sorted(ctx.defined)
        if other != name and difflib.SequenceMatcher(a=name, b=other).ratio() >= 0.75
    ]
    return list(dict.fromkeys([*known, *similar]))


def _renamed_call(node: cst.Call, func: cst.Name, name: str, ctx: Context) -> Change:
    """`old(...)` -> `name(...)`, with the `from` import that brought `old` in following."""
    new = node.with_changes(func=func.with_changes(value=name))
    imported = ctx.imported_from.get(func.value)
    if name in ctx.defined or imported is None or imported.module is None:
        return _changed(node, new)
    return Change(node, new, code(new), follow_import(code(imported.module), func.value, name))


def replace_callee(node: cst.Call, ctx: Context) -> Iterator[Change]:
    func = node.func
    if isinstance(func, cst.Name):
        for name in _similar_callees(func.value, ctx):
            yield _renamed_call(node, func, name, ctx)
    elif isinstance(func, cst.Attribute):
        for name in near.CALLEES.get(func.attr.value, []):
            yield _changed(node, node.with_changes(func=func.with_changes(attr=cst.Name(name))))
        if func.attr.value == "pop":  # from the front or the back
            yield _changed(
                node, node.with_changes(args=[] if node.args else [cst.Arg(cst.Integer("0"))])
            )


# -- condition_negation -------------------------------------------------------------------------
def _maybe_paren(value: cst.BaseExpression) -> cst.BaseExpression:
    simple = (cst.Name, cst.Call, cst.Attribute, cst.Subscript)
    return value if isinstance(value, simple) or value.lpar else paren(value)


def negated(value: cst.BaseExpression) -> cst.UnaryOperation:
    return cst.UnaryOperation(operator=cst.Not(), expression=_maybe_paren(value))


def negate_test(
    node: cst.If | cst.While | cst.IfExp | cst.CompIf, ctx: Context
) -> Iterator[Change]:
    test = node.test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return  # dropping the `not` is its own edit
    yield _changed(test, negated(test))


def drop_not(node: cst.UnaryOperation, ctx: Context) -> Iterator[Change]:
    if isinstance(node.operator, cst.Not):
        yield _changed(node, node.expression.with_changes(lpar=[], rpar=[]))


# -- argument_swap ------------------------------------------------------------------------------
def swap_compared(node: cst.Comparison, ctx: Context) -> Iterator[Change]:
    if len(node.comparisons) == 1:
        target = node.comparisons[0]
        yield _changed(
            node,
            node.with_changes(
                left=target.comparator, comparisons=[target.with_changes(comparator=node.left)]
            ),
        )


def swap_operands(node: cst.BinaryOperation, ctx: Context) -> Iterator[Change]:
    if isinstance(node.operator, _NON_COMMUTATIVE):
        yield _changed(node, regrouped(node.with_changes(left=node.right, right=node.left)))


def swap_arguments(node: cst.Call, ctx: Context) -> Iterator[Change]:
    positional = [i for i, a in enumerate(node.args) if a.keyword is None and not a.star]
    for a in range(len(positional)):
        for b in range(a + 1, len(positional)):
            args = list(node.args)
            i, j = positional[a], positional[b]
            args[i] = node.args[i].with_changes(value=node.args[j].value)
            args[j] = node.args[j].with_changes(value=node.args[i].value)
            new = node.with_changes(args=args)
            paired = near.out_of_order(code(node.args[i].value), code(node.args[j].value))
            yield Change(node, new, code(new), weight=PAIRED_SWAP_WEIGHT if paired else 1.0)


# -- argument_deletion --------------------------------------------------------------------------
def drop_argument(node: cst.Call, ctx: Context) -> Iterator[Change]:
    """``cls(a, b, c)`` -> ``cls(a, b)``; ``f(x, key=k)`` -> ``f(x)``: the last argument one
    too many (the likeliest, and one candidate per call keeps the search short)."""
    if len(node.args) < 2 or node.args[-1].star:
        return  # *args and **kwargs forward what the caller was given
    *args, last = node.args
    args[-1] = args[-1].with_changes(comma=last.comma)  # the call's own trailing comma
    yield _changed(node, node.with_changes(args=args))


# -- variable_replacement -----------------------------------------------------------------------
def _read(node: cst.Name | cst.Attribute, ctx: Context) -> bool:
    """A name or attribute read as a value, not the callee of a call."""
    parent = ctx.parent
    called = isinstance(parent, cst.Call) and parent.func is node
    return ctx.loads(node) and not called


def replace_variable(node: cst.Name, ctx: Context) -> Iterator[Change]:
    if node.value in ("True", "False", "None") or not _read(node, ctx):
        return
    names = [*ctx.scope.names, *ctx.names.module.names]
    candidates = [n for n in dict.fromkeys(names) if n != node.value and n not in ctx.defined]
    for name in candidates[:MAX_NAMES]:
        yield Change(node, node.with_changes(value=name), name, weight=_likeness(node.value, name))


def replace_attribute(node: cst.Attribute, ctx: Context) -> Iterator[Change]:
    """`self.name` -> `self.version`, `os.sep` -> `os.pathsep`: another attribute the module
    reads or sets on the same name (a method called is the callee's operator's)."""
    if not isinstance(node.value, cst.Name) or not _read(node, ctx):
        return
    base, own = node.value.value, node.attr.value
    others = [a for a in ctx.names.attributes.get(base, []) if a != own]
    for attr in others[:MAX_NAMES]:
        new = node.with_changes(attr=cst.Name(attr))
        yield Change(node, new, f"{base}.{attr}", weight=_likeness(own, attr))


def _likeness(old: str, new: str) -> float:
    """A name much like the one replaced (`item`/`items`, `sep`/`pathsep`) is the likelier slip."""
    similar = difflib.SequenceMatcher(a=old, b=new).ratio() >= SIMILAR_NAME
    return SIMILAR_NAME_WEIGHT if similar else 1.0


# -- operand_insertion --------------------------------------------------------------------------
def _operands(expr: cst.BaseExpression, ctx: Context) -> Iterator[Change]:
    """`self.price` -> `self.price * self.quantity`, `self.window` -> `now - self.window`:
    an operand left out, taken from the function's names or the object's attributes."""
    is_self = (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
    )
    if ctx.function is None or not (is_self or isinstance(expr, cst.Name)):
        return
    own = code(expr.with_changes(lpar=[], rpar=[]))
    if own in _NOT_OPERANDS:
        return
    # The function's own names first, then the object's attributes (in methods).
    names = ctx.scope.names
    others: list[cst.BaseExpression] = [
        cst.Name(n) for n in names if n != own and n not in _NOT_OPERANDS and n not in ctx.defined
    ]
    if "self" in names:
        others += [
            cst.Attribute(value=cst.Name("self"), attr=cst.Name(a))
            for a in ctx.names.self_attributes
            if f"self.{a}" != own
        ]
    bare = expr.with_changes(lpar=[], rpar=[])
    for other in others[:MAX_NAMES]:
        for left, op, right in (
            (bare, cst.Multiply(), other),
            (other, cst.Subtract(), bare),
            (bare, cst.Subtract(), other),
            (bare, cst.Add(), other),
        ):
            yield _changed(expr, cst.BinaryOperation(left=left, operator=op, right=right))


def widen_compared(node: cst.Comparison, ctx: Context) -> Iterator[Change]:
    if len(node.comparisons) == 1 and not isinstance(node.comparisons[0].operator, _NOT_ARITHMETIC):
        yield from _operands(node.left, ctx)
        yield from _operands(node.comparisons[0].comparator, ctx)


def widen_value(node: cst.Assign | cst.Return, ctx: Context) -> Iterator[Change]:
    if node.value is not None:
        yield from _operands(node.value, ctx)


# -- ordering -----------------------------------------------------------------------------------
def reverse_order(node: cst.Call, ctx: Context) -> Iterator[Change]:
    """`sorted(xs)` -> `sorted(xs, reverse=True)`; `key=lambda kv: (kv[1], kv[0])` ->
    `key=lambda kv: (-kv[1], kv[0])`: the order asked for, turned round in whole or part."""
    func = node.func
    name = func.value if isinstance(func, cst.Name) else ""
    if isinstance(func, cst.Attribute):
        name = func.attr.value
    if name not in ("sorted", "sort"):
        return
    keywords = {a.keyword.value: i for i, a in enumerate(node.args) if a.keyword is not None}
    if "reverse" not in keywords:
        reverse = cst.Arg(
            keyword=cst.Name("reverse"),
            value=cst.Name("True"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        # A generator given bare as the only argument needs its own parentheses beside another.
        args = [
            a.with_changes(value=paren(a.value))
            if isinstance(a.value, cst.GeneratorExp) and not a.value.lpar
            else a
            for a in node.args
        ]
        yield _changed(node, node.with_changes(args=[*with_comma(args), reverse]))
    index = keywords.get("key")
    if index is None or not isinstance(node.args[index].value, cst.Lambda):
        return
    key = node.args[index].value
    assert isinstance(key, cst.Lambda)
    body = key.body
    parts = list(body.elements) if isinstance(body, cst.Tuple) else [body]
    for i, part in enumerate(parts):
        value = part.value if isinstance(part, cst.Element) else part
        if not isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            continue
        minus = cst.UnaryOperation(operator=cst.Minus(), expression=value)
        if isinstance(body, cst.Tuple):
            elements = list(body.elements)
            elements[i] = elements[i].with_changes(value=minus)
            new_body: cst.BaseExpression = body.with_changes(elements=elements)
        else:
            new_body = minus
        args = list(node.args)
        args[index] = args[index].with_changes(value=key.with_changes(body=new_body))
        yield _changed(node, node.with_changes(args=args))


# -- call_wrap ----------------------------------------------------------------------------------
def wrap_value(node: cst.Assign | cst.Return, ctx: Context) -> Iterator[Change]:
    """`total` -> `round(total)`: wrap in a one-argument call seen in the module."""
    expr = node.value
    if expr is None or isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)):
        return
    callee = (
        expr.func.value if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) else ""
    )
    # A call's parentheses stand in for the value's own, except a tuple's (`()` is one, and
    # `(a, b)` bare would be two arguments) and a yield's (`f(yield x)` does not parse).
    keeps = isinstance(expr, (cst.Tuple, cst.Yield))
    arg = cst.Arg(expr if keeps else expr.with_changes(lpar=[], rpar=[]))
    for name in [n for n in ctx.names.one_arg_callees if n != callee][:MAX_WRAPS]:
        yield _changed(expr, cst.Call(func=cst.Name(name), args=[arg]))
