"""What each operator and each callee is most often mistaken for, nearest first: among equally
small plausible patches the first offered wins."""

from __future__ import annotations

import re

import libcst as cst

# The usual slips first: `+`/`-`, `/`/`//`, `%`/`//`.
ARITHMETIC: dict[type, list[type]] = {
    cst.Add: [cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power],
    cst.Subtract: [cst.Add, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power],
    cst.Multiply: [cst.Divide, cst.FloorDivide, cst.Power, cst.Add, cst.Subtract, cst.Modulo],
    cst.Divide: [cst.FloorDivide, cst.Multiply, cst.Modulo, cst.Subtract, cst.Add, cst.Power],
    cst.FloorDivide: [cst.Divide, cst.Modulo, cst.Multiply, cst.Subtract, cst.Add, cst.Power],
    cst.Modulo: [cst.FloorDivide, cst.Divide, cst.Multiply, cst.Subtract, cst.Add, cst.Power],
    cst.Power: [cst.Multiply, cst.Divide, cst.FloorDivide, cst.Add, cst.Subtract, cst.Modulo],
}
BITWISE = [cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor]
# The boundary (`<` -> `<=`), then the direction, then (in)equality.
_LT, _LE, _GT, _GE = cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual
_EQ, _NE = cst.Equal, cst.NotEqual
COMPARISON: dict[type, list[type]] = {
    _LT: [_LE, _GT, _NE, _GE, _EQ], _LE: [_LT, _GE, _EQ, _GT, _NE],
    _GT: [_GE, _LT, _NE, _LE, _EQ], _GE: [_GT, _LE, _EQ, _LT, _NE],
    _EQ: [_NE, _LE, _GE, _LT, _GT], _NE: [_EQ, _LT, _GT, _LE, _GE],
}  # fmt: skip
AUGMENTED = [cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
             cst.FloorDivideAssign, cst.ModuloAssign]  # fmt: skip

# Callees often confused for one another.
_CONFUSABLE_GROUPS = [
    ["strip", "rstrip", "lstrip"], ["append", "extend"], ["find", "rfind", "index", "rindex"],
    ["startswith", "endswith"], ["upper", "lower", "title", "capitalize"],
    ["keys", "values", "items"], ["min", "max"], ["any", "all"], ["sorted", "reversed"],
    ["floor", "ceil"], ["bisect_left", "bisect_right"], ["insort_left", "insort_right"],
    ["split", "rsplit"], ["remove", "discard"], ["get", "setdefault"],
    ["isdigit", "isalpha", "isalnum", "isspace"], ["add", "update"], ["pop", "popleft"],
    ["appendleft", "append"], ["search", "match", "fullmatch"], ["sum", "len"],
]  # fmt: skip
CALLEES: dict[str, list[str]] = {}
for _group in _CONFUSABLE_GROUPS:
    for _name in _group:
        CALLEES.setdefault(_name, []).extend(n for n in _group if n != _name)

# Names that come in an order: (first, second) as code usually passes them.
ORDERED_PAIRS = frozenset(
    [("a", "b"), ("x", "y"), ("i", "j"), ("lo", "hi"), ("low", "high"), ("start", "end"),
     ("start", "stop"), ("begin", "end"), ("first", "last"), ("first", "second"),
     ("left", "right"), ("min", "max"), ("old", "new"), ("src", "dst"), ("source", "target"),
     ("key", "value"), ("width", "height"), ("row", "col"), ("expected", "actual"),
     ("self", "other"), ("lhs", "rhs"), ("before", "after"), ("prev", "next"),
     ("head", "tail"), ("top", "bottom"), ("major", "minor"), ("numerator", "denominator")]
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+|\d+")


def out_of_order(first: str, second: str) -> bool:
    """Two arguments' code that differs in one word only, the words of an ordered pair given
    second first: `cmp(len(b_parts), len(a_parts))`, `range(end, start)`."""
    one, two = _WORD.findall(first.lower()), _WORD.findall(second.lower())
    if len(one) != len(two):
        return False
    differ = [(u, v) for u, v in zip(one, two, strict=True) if u != v]
    return len(differ) == 1 and (differ[0][1], differ[0][0]) in ORDERED_PAIRS
