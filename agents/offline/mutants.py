"""Program transformations of the offline engine: small edits at a given line, made with libcst
so that formatting and comments survive.

``mutants_for_lines`` yields, line by line in the order asked, every single edit of the
operator families below, cheapest and commonest families first; each mutant is the whole new
module text. Duplicates and no-op edits are dropped.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    MetadataWrapper,
    PositionProvider,
)
from pydantic import BaseModel

# Family order within a line: what real one-line bugs most often are, first.
FAMILIES = (
    "comparison_operator",
    "binary_operator",
    "boolean_operator",
    "augmented_assignment",
    "constant",
    "expression_offset",
    "call_replacement",
    "condition_negation",
    "argument_swap",
    "return_value",
    "variable_replacement",
    "operand_insertion",
    "ordering",
    "call_wrap",
    "guard",
    "statement_insertion",
    "statement_deletion",
    "duplicate_deletion",
)
_RANK = {name: i for i, name in enumerate(FAMILIES)}
# How likely a family is to hold the fix where it applies, relative to the others: candidates
# are tried in order of (line suspiciousness x prior). Learned from the bug corpus in bench/bugs
# by bench/priors.py, which also holds the belief it starts from.
PRIORS: dict[str, float] = json.loads(Path(__file__).with_name("priors.json").read_text())
MAX_WRAPS = 5  # one-argument callees tried per wrapped expression
MAX_NAMES = 8  # replacement names tried per variable occurrence
_NOT_OPERANDS = ("self", "cls", "True", "False", "None")


def prior(operator: str) -> float:
    """How likely a family is to be the fix (engines of other kinds get a neutral 0.5)."""
    return PRIORS.get(operator, 0.5)


class Mutant(BaseModel):
    operator: str
    description: str
    line: int
    new_source: str


# Each arithmetic operator's replacements, nearest first (the usual slips: `+`/`-`, `/`/`//`,
# `%`/`//`): among equally small plausible patches the first offered wins.
_ARITH_NEAR: dict[type, list[type]] = {
    cst.Add: [cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power],
    cst.Subtract: [cst.Add, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power],
    cst.Multiply: [cst.Divide, cst.FloorDivide, cst.Power, cst.Add, cst.Subtract, cst.Modulo],
    cst.Divide: [cst.FloorDivide, cst.Multiply, cst.Modulo, cst.Subtract, cst.Add, cst.Power],
    cst.FloorDivide: [cst.Divide, cst.Modulo, cst.Multiply, cst.Subtract, cst.Add, cst.Power],
    cst.Modulo: [cst.FloorDivide, cst.Divide, cst.Multiply, cst.Subtract, cst.Add, cst.Power],
    cst.Power: [cst.Multiply, cst.Divide, cst.FloorDivide, cst.Add, cst.Subtract, cst.Modulo],
}
_BITS = [cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor]
# Nearest first: the boundary (`<` -> `<=`), then the direction, then (in)equality.
_LT, _LE, _GT, _GE = cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual
_EQ, _NE = cst.Equal, cst.NotEqual
_COMPARE_NEAR: dict[type, list[type]] = {
    _LT: [_LE, _GT, _NE, _GE, _EQ], _LE: [_LT, _GE, _EQ, _GT, _NE],
    _GT: [_GE, _LT, _NE, _LE, _EQ], _GE: [_GT, _LE, _EQ, _LT, _NE],
    _EQ: [_NE, _LE, _GE, _LT, _GT], _NE: [_EQ, _LT, _GT, _LE, _GE],
}  # fmt: skip
_AUG = [cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
        cst.FloorDivideAssign, cst.ModuloAssign]  # fmt: skip
_NON_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power)

# Names that are often confused for one another.
_FAMILY_GROUPS = [
    ["strip", "rstrip", "lstrip"], ["append", "extend"], ["find", "rfind", "index", "rindex"],
    ["startswith", "endswith"], ["upper", "lower", "title", "capitalize"],
    ["keys", "values", "items"], ["min", "max"], ["any", "all"], ["sorted", "reversed"],
    ["floor", "ceil"], ["bisect_left", "bisect_right"], ["insort_left", "insort_right"],
    ["split", "rsplit"], ["remove", "discard"], ["get", "setdefault"],
    ["isdigit", "isalpha", "isalnum", "isspace"], ["add", "update"], ["pop", "popleft"],
    ["appendleft", "append"], ["search", "match", "fullmatch"], ["sum", "len"],
]  # fmt: skip
CALL_FAMILIES: dict[str, list[str]] = {}
for _group in _FAMILY_GROUPS:
    for _name in _group:
        CALL_FAMILIES.setdefault(_name, []).extend(n for n in _group if n != _name)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _paren(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _offset(expr: cst.BaseExpression, op: cst.BaseBinaryOp, wrap: bool) -> cst.BaseExpression:
    new = cst.BinaryOperation(left=expr, operator=op, right=cst.Integer("1"))
    return _paren(new) if wrap else new


_PRECEDENCE: dict[type, int] = {
    cst.BitOr: 1, cst.BitXor: 2, cst.BitAnd: 3, cst.LeftShift: 4, cst.RightShift: 4,
    cst.Add: 5, cst.Subtract: 5, cst.Multiply: 6, cst.Divide: 6, cst.FloorDivide: 6,
    cst.Modulo: 6, cst.MatrixMultiply: 6, cst.Power: 7,
}  # fmt: skip


def _regrouped(node: cst.BinaryOperation) -> cst.BinaryOperation:
    """``node`` with parentheses where its operands would otherwise regroup (the same node
    when none are needed).

    ``+`` swapped for ``*`` in place in ``(a - b) + c`` is ``(a - b) * c``; written out without
    parentheses it would be ``a - b * c``, which Python reads as ``a - (b * c)``. Swapping the
    operands of ``a - b - c`` gives ``c - (a - b)``.
    """
    mine = _PRECEDENCE.get(type(node.operator), 0)
    right_assoc = isinstance(node.operator, cst.Power)

    def needs(operand: cst.BaseExpression, left: bool) -> bool:
        if not isinstance(operand, cst.BinaryOperation) or operand.lpar:
            return False
        theirs = _PRECEDENCE.get(type(operand.operator), 0)
        if left:
            return theirs < mine or (right_assoc and theirs == mine)
        return theirs < mine or (not right_assoc and theirs == mine)

    changes: dict[str, cst.BaseExpression] = {}
    if needs(node.left, left=True):
        changes["left"] = _paren(node.left)
    if needs(node.right, left=False):
        changes["right"] = _paren(node.right)
    return node.with_changes(**changes) if changes else node


def _with_comma(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """``args`` ready for one more: the last one given a comma (and a space) if it has none."""
    if not args or args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        return list(args)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], args[-1].with_changes(comma=comma)]


def _spaced_like(kind: Any, op: Any) -> Any:
    """An operator of another kind with the spacing of `op` (formatting is preserved)."""
    return kind(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)


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


def _is_boolish(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Comparison, cst.BooleanOperation)) or (
        isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)
    )


def _insertable(stmt: cst.BaseSmallStatement) -> bool:
    """Statements a developer forgets: a call for its effect, a counter bump, an assignment."""
    if isinstance(stmt, cst.Expr):
        return isinstance(stmt.value, cst.Call)
    if isinstance(stmt, cst.AugAssign):
        return True
    if isinstance(stmt, cst.Assign):
        return len(stmt.targets) == 1
    return False


class _LoadNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _Rename(cst.CSTTransformer):
    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return (
            updated_node.with_changes(value=self.new)
            if updated_node.value == self.old
            else updated_node
        )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)  # `x.old` is not the name

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        return updated_node.with_changes(keyword=original_node.keyword)


MAX_ADAPTED = 12  # renamed copies of one donor statement


def _renamed(stmt: cst.SimpleStatementLine, old: str, new: str) -> cst.SimpleStatementLine:
    result = stmt.visit(_Rename(old, new))
    assert isinstance(result, cst.SimpleStatementLine)
    return result


def _adapted(stmt: cst.SimpleStatementLine, names: list[str]) -> list[cst.SimpleStatementLine]:
    """Copies of a statement with one of its names swapped for another bound name:
    `seen.add(start)` elsewhere suggests `seen.add(nxt)` here. Arguments are renamed before
    receivers, and names bound late in the function (loop variables) are tried first."""
    used = _names_in(stmt)
    receivers = _receivers(stmt)
    variants: list[cst.SimpleStatementLine] = []
    for old in sorted(used & set(names), key=lambda n: (n in receivers, n)):
        for new in reversed(names):
            if new not in used and len(variants) < MAX_ADAPTED:
                variants.append(_renamed(stmt, old, new))
    return variants


def _receivers(stmt: cst.CSTNode) -> set[str]:
    """Names a method is called on (`seen` in `seen.add(x)`)."""
    found: set[str] = set()

    class _Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if isinstance(node.value, cst.Name):
                found.add(node.value.value)

    stmt.visit(_Visitor())
    return found


def _names_in(node: cst.CSTNode) -> set[str]:
    visitor = _LoadNames()
    node.visit(visitor)
    return visitor.names


@dataclass
class _Edit:
    family: str
    old: cst.CSTNode
    new: cst.CSTNode | cst.RemovalSentinel
    text: str
    after: Callable[[cst.Module], cst.Module] | None = None


@dataclass
class _Scope:
    names: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)


class _Names(cst.CSTVisitor):
    """First pass: the names each function binds (parameters, then assignments), and the
    module's, so a use may be replaced by a name bound further down too."""

    METADATA_DEPENDENCIES = (ExpressionContextProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.module = _Scope()
        self.functions: dict[int, _Scope] = {}
        self.stack: list[_Scope] = []
        self.statements: dict[int, list[cst.SimpleStatementLine]] = {}  # per function
        self.returns: dict[int, list[cst.BaseExpression]] = {}  # constants returned
        self.all_statements: list[cst.SimpleStatementLine] = []
        self.function_stack: list[int] = []
        self.one_arg_callees: list[str] = []
        self.self_attributes: list[str] = []  # `self.x = ...` anywhere in the module

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) != 1 or not _insertable(node.body[0]):
            return
        if self.function_stack:
            self.statements.setdefault(self.function_stack[-1], []).append(node)
        self.all_statements.append(node)

    def visit_Return(self, node: cst.Return) -> None:
        if self.function_stack and isinstance(
            node.value, (cst.Integer, cst.SimpleString, cst.List, cst.Dict, cst.Name)
        ):
            value = node.value
            if not isinstance(value, cst.Name) or value.value in ("None", "True", "False"):
                self.returns.setdefault(self.function_stack[-1], []).append(value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        # Fields declared in the class body (dataclasses, attrs, typed classes) are attributes too.
        for stmt in node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        if small.target.value not in self.self_attributes:
                            self.self_attributes.append(small.target.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and len(node.args) == 1 and not node.args[0].keyword:
            if node.func.value not in self.one_arg_callees:
                self.one_arg_callees.append(node.func.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = _Scope()
        params = node.params
        for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
            scope.add(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.add(star.name.value)
        self.functions[id(node)] = scope
        self.stack.append(scope)
        self.function_stack.append(id(node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.function_stack.pop()

    def visit_Name(self, node: cst.Name) -> None:
        if self.get_metadata(ExpressionContextProvider, node, None) == ExpressionContext.STORE:
            (self.stack[-1] if self.stack else self.module).add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        stored = self.get_metadata(ExpressionContextProvider, node, None) == ExpressionContext.STORE
        if stored and isinstance(node.value, cst.Name) and node.value.value == "self":
            if node.attr.value not in self.self_attributes:
                self.self_attributes.append(node.attr.value)


class _Collector(cst.CSTVisitor):
    """Walks the module once and records every possible edit, keyed by line."""

    METADATA_DEPENDENCIES = (PositionProvider, ExpressionContextProvider)

    def __init__(self, wanted: set[int], names: _Names) -> None:
        super().__init__()
        self.names = names
        self.wanted = wanted
        self.edits: dict[int, list[_Edit]] = {}
        self.module_names = names.module
        self.defined: set[str] = set()  # functions, classes, imports at any level
        self.imported_from: dict[str, cst.ImportFrom] = {}
        self.scopes: list[_Scope] = []
        self.functions: list[cst.FunctionDef] = []
        self.duplicates: set[int] = set()  # statements equal to the one before them
        self.neutral: dict[int, int] = {}  # literal -> the value that would make it a no-op
        self.negated: set[int] = set()  # literals under a unary minus
        self.callees: set[int] = set()  # ids of Name nodes that are called

    # -- bookkeeping -------------------------------------------------------------------------
    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _add(
        self,
        node: cst.CSTNode,
        family: str,
        new: cst.CSTNode | cst.RemovalSentinel,
        text: str,
        after: Callable[[cst.Module], cst.Module] | None = None,
    ) -> None:
        line = self._line(node)
        if line in self.wanted:
            self.edits.setdefault(line, []).append(_Edit(family, node, new, text, after))

    def _scope(self) -> _Scope:
        return self.scopes[-1] if self.scopes else self.module_names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.defined.add(node.name.value)
        self.scopes.append(self.names.functions.get(id(node), _Scope()))
        self.functions.append(node)
        self._guards(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.functions.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        body = list(node.body)
        for prev, stmt in zip(body, body[1:], strict=False):
            if _code(prev).strip() == _code(stmt).strip():
                self.duplicates.add(id(stmt))
        if not self.functions:
            return
        function = self.functions[-1]
        own = self.names.statements.get(id(function), [])
        bound = set(self._scope().names) | set(self.module_names.names) | self.defined
        borrowed = [
            s
            for s in self.names.all_statements
            if s not in own and _names_in(s) <= bound | _BUILTINS
        ]
        local = [n for n in self._scope().names if n not in self.defined]
        adapted = [v for s in own for v in _adapted(s, local)]
        for s in self.names.all_statements:
            unbound = _names_in(s) - bound - _BUILTINS
            if s not in own and len(unbound) == 1:
                (old,) = unbound
                adapted += [_renamed(s, old, new) for new in reversed(local)][:MAX_ADAPTED]
        donors = list({_code(s).strip(): s for s in [*own, *adapted, *borrowed]}.values())
        body = list(node.body)
        for i, stmt in enumerate(body):
            line = self._line(stmt)
            if line not in self.wanted:
                continue
            neighbours = {_code(body[j]).strip() for j in (i - 1, i, i + 1) if 0 <= j < len(body)}
            for donor in donors:
                text = _code(donor).strip()
                if text in neighbours:
                    continue
                copy = donor.with_changes(leading_lines=[])
                for where in (i + 1, i):  # after the suspicious line, then before it
                    new_body = [*body[:where], copy, *body[where:]]
                    edit = _Edit("statement_insertion", node, node.with_changes(body=new_body),
                                 f"insert `{text}`")  # fmt: skip
                    self.edits.setdefault(line, []).append(edit)

    def _guards(self, node: cst.FunctionDef) -> None:
        """`if not items: return None` and kin, at the top of the function."""
        block = node.body
        if not isinstance(block, cst.IndentedBlock) or not block.body:
            return
        body = list(block.body)
        start = 1 if _is_docstring(body[0]) and len(body) > 1 else 0
        line = self._line(body[start])
        if line not in self.wanted:
            return
        params = [
            p.name.value
            for p in [*node.params.posonly_params, *node.params.params]
            if p.name.value not in ("self", "cls")
        ]
        # What an empty input usually gives: nothing, zero, an empty list; or what it returns.
        results: list[cst.BaseExpression] = [cst.Name("None"), cst.Integer("0"), cst.List([])]
        for value in self.names.returns.get(id(node), []):
            if _code(value) not in {_code(r) for r in results}:
                results.append(value)
        for param in params:
            for test in (
                cst.UnaryOperation(operator=cst.Not(), expression=cst.Name(param)),
                cst.Comparison(
                    left=cst.Name(param),
                    comparisons=[
                        cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))
                    ],
                ),
            ):
                for result in results:
                    guard = cst.If(
                        test=test,
                        body=cst.IndentedBlock(
                            body=[cst.SimpleStatementLine(body=[cst.Return(value=result)])]
                        ),
                    )
                    new_body = [*body[:start], guard, *body[start:]]
                    text = f"if {_code(test)}: return {_code(result)}"
                    edit = _Edit("guard", block, block.with_changes(body=new_body), text)
                    self.edits.setdefault(line, []).append(edit)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.defined.add(node.name.value)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = alias.evaluated_alias or alias.evaluated_name
            self.defined.add(name)
            self.imported_from[alias.evaluated_name] = node

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.defined.add((alias.evaluated_alias or alias.evaluated_name).split(".")[0])

    def visit_Name(self, node: cst.Name) -> None:
        context = self.get_metadata(ExpressionContextProvider, node, None)
        if context == ExpressionContext.LOAD and id(node) not in self.callees:
            self._variable(node)

    # -- operator families -------------------------------------------------------------------
    def visit_Comparison(self, node: cst.Comparison) -> None:
        for i, target in enumerate(node.comparisons):
            op = target.operator
            swaps: list[cst.BaseCompOp] = []
            if type(op) in _COMPARE_NEAR:
                swaps = [_spaced_like(k, op) for k in _COMPARE_NEAR[type(op)]]
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
                new = node.with_changes(comparisons=comparisons)
                self._add(node, "comparison_operator", new, _code(new))
        if len(node.comparisons) == 1:
            target = node.comparisons[0]
            swapped = node.with_changes(
                left=target.comparator, comparisons=[target.with_changes(comparator=node.left)]
            )
            self._add(node, "argument_swap", swapped, _code(swapped))
            for operand in (node.left, target.comparator):
                self._offsets(operand, wrap=False)
                self._operands(operand)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        op = node.operator
        if isinstance(node.right, cst.Integer):  # `+ 0` and `* 1` hide a deletion
            neutral = {cst.Add: 0, cst.Subtract: 0, cst.Multiply: 1, cst.Divide: 1}
            if type(op) in neutral:
                self.neutral[id(node.right)] = neutral[type(op)]
        group = _ARITH_NEAR.get(type(op), _BITS if type(op) in _BITS else [])
        for kind in group:
            if kind is not type(op) and not _identity(kind, node):
                # The typo (`+` typed for `*`: Python regroups the operands around the new
                # operator) and the operator swapped in place, when the two differ.
                typed = node.with_changes(operator=_spaced_like(kind, op))
                self._add(node, "binary_operator", typed, _code(typed))
                grouped = _regrouped(typed)
                if grouped is not typed:
                    self._add(node, "binary_operator", grouped, _code(grouped))
        if isinstance(op, _NON_COMMUTATIVE):
            new = _regrouped(node.with_changes(left=node.right, right=node.left))
            self._add(node, "argument_swap", new, _code(new))
        if isinstance(op, (cst.Add, cst.Subtract)) and isinstance(node.right, cst.Integer):
            left = (
                node.left.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar else node.left
            )
            self._add(node, "expression_offset", left, _code(left))  # an offset too many
        self._offsets(node.left, wrap=True)
        self._offsets(node.right, wrap=True)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        op = node.operator
        kind = cst.Or if isinstance(op, cst.And) else cst.And
        new = node.with_changes(
            operator=kind(
                whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after
            )
        )
        self._add(node, "boolean_operator", new, _code(new))
        # A conjunct too many: keep one side.
        for side in (node.left, node.right):
            self._add(node, "boolean_operator", side, _code(side))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        op = node.operator
        if type(op) in _AUG:
            for kind in _AUG:
                if kind is not type(op):
                    new = node.with_changes(operator=_spaced_like(kind, op))
                    self._add(node, "augmented_assignment", new, _code(new))

    def visit_Integer(self, node: cst.Integer) -> None:
        if id(node) in self.negated:
            return  # `-1` is one literal: visit_UnaryOperation varies it whole
        self._constants(node, node)

    def _constants(self, node: cst.BaseExpression, literal: cst.Integer) -> None:
        try:
            value = int(literal.evaluated_value)
        except (TypeError, ValueError):
            return
        if node is not literal:
            value = -value
        tens = (value * 10, value // 10) if value and value % 10 == 0 else (value * 10,)
        for new_value in dict.fromkeys((value + 1, value - 1, 0, 1, -1, *tens)):
            if new_value == value or new_value == self.neutral.get(id(node)):
                continue
            new: cst.BaseExpression = (
                cst.Integer(str(new_value))
                if new_value >= 0
                else cst.UnaryOperation(
                    operator=cst.Minus(), expression=cst.Integer(str(-new_value))
                )
            )
            self._add(node, "constant", new, _code(new))

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
            self.negated.add(id(node.expression))
            self._constants(node, node.expression)
        if isinstance(node.operator, cst.Not):
            inner = node.expression.with_changes(lpar=[], rpar=[])
            self._add(node, "condition_negation", inner, _code(inner))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            self.callees.add(id(func))
            for name in self._similar_callees(func.value):
                after = self._import_fix(func.value, name)
                new = node.with_changes(func=func.with_changes(value=name))
                self._add(node, "call_replacement", new, _code(new), after)
        elif isinstance(func, cst.Attribute):
            for name in CALL_FAMILIES.get(func.attr.value, []):
                new = node.with_changes(func=func.with_changes(attr=cst.Name(name)))
                self._add(node, "call_replacement", new, _code(new))
            if func.attr.value == "pop":
                args = [] if node.args else [cst.Arg(cst.Integer("0"))]
                new = node.with_changes(args=args)
                self._add(node, "call_replacement", new, _code(new))
        positional = [i for i, a in enumerate(node.args) if a.keyword is None and not a.star]
        for a in range(len(positional)):
            for b in range(a + 1, len(positional)):
                args = list(node.args)
                i, j = positional[a], positional[b]
                args[i] = node.args[i].with_changes(value=node.args[j].value)
                args[j] = node.args[j].with_changes(value=node.args[i].value)
                new = node.with_changes(args=args)
                self._add(node, "argument_swap", new, _code(new))
        for arg in node.args:
            self._offsets(arg.value, wrap=False)
        self._ordering(node)

    def _ordering(self, node: cst.Call) -> None:
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
            new = node.with_changes(args=[*_with_comma(node.args), reverse])
            self._add(node, "ordering", new, _code(new))
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
            negated = cst.UnaryOperation(operator=cst.Minus(), expression=value)
            if isinstance(body, cst.Tuple):
                elements = list(body.elements)
                elements[i] = elements[i].with_changes(value=negated)
                new_body: cst.BaseExpression = body.with_changes(elements=elements)
            else:
                new_body = negated
            args = list(node.args)
            args[index] = args[index].with_changes(value=key.with_changes(body=new_body))
            new = node.with_changes(args=args)
            self._add(node, "ordering", new, _code(new))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        for element in node.slice:
            inner = element.slice
            if isinstance(inner, cst.Index):
                self._offsets(inner.value, wrap=False)
                if isinstance(inner.value, (cst.Name, cst.Attribute)):
                    # `xs[k]` -> `xs[-k]`: counted from the wrong end.
                    new = cst.UnaryOperation(operator=cst.Minus(), expression=inner.value)
                    self._add(inner.value, "expression_offset", new, _code(new))
            elif isinstance(inner, cst.Slice):
                for bound in (inner.lower, inner.upper):
                    if bound is not None:
                        self._offsets(bound, wrap=False)

    def visit_If(self, node: cst.If) -> None:
        self._negate(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._negate(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._negate(node.test)

    def visit_CompIf(self, node: cst.CompIf) -> None:
        self._negate(node.test)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._wraps(node.value)
        self._operands(node.value)
        self._offsets(node.value, wrap=False)
        if self.functions and isinstance(node.value, cst.Integer) and node.value.value == "0":
            # A running maximum or minimum seeded with 0 instead of an extreme or a first item.
            function = self.functions[-1]
            seeds = ['float("-inf")', 'float("inf")', "None"]
            seeds += [f"{p.name.value}[0]" for p in function.params.params
                      if p.name.value not in ("self", "cls")]  # fmt: skip
            for seed in seeds:
                self._add(node.value, "constant", cst.parse_expression(seed), seed)

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if value is None:
            return
        self._wraps(value)
        if not (isinstance(value, cst.Name) and value.value == "None"):
            self._add(node, "return_value", node.with_changes(value=cst.Name("None")),
                      "return None")  # fmt: skip
        if _is_boolish(value) or isinstance(value, cst.Call):
            new = node.with_changes(
                value=cst.UnaryOperation(operator=cst.Not(), expression=self._maybe_paren(value))
            )
            self._add(node, "return_value", new, _code(new))
        self._offsets(value, wrap=False)
        self._operands(value)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if any(
            isinstance(s, (cst.Assert, cst.Import, cst.ImportFrom, cst.Pass)) for s in node.body
        ):
            return
        family = "duplicate_deletion" if id(node) in self.duplicates else "statement_deletion"
        self._add(node, family, cst.RemovalSentinel.REMOVE, "delete the line")

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _maybe_paren(value: cst.BaseExpression) -> cst.BaseExpression:
        simple = (cst.Name, cst.Call, cst.Attribute, cst.Subscript)
        return value if isinstance(value, simple) or value.lpar else _paren(value)

    def _negate(self, test: cst.BaseExpression) -> None:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return  # dropping the `not` is its own edit
        new = cst.UnaryOperation(operator=cst.Not(), expression=self._maybe_paren(test))
        self._add(test, "condition_negation", new, _code(new))

    def _wraps(self, expr: cst.BaseExpression) -> None:
        """`total` -> `round(total)`: wrap in a one-argument call seen in the module."""
        if isinstance(expr, (cst.SimpleString, cst.Integer, cst.Float)):
            return
        callee = (
            expr.func.value
            if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name)
            else ""
        )
        for name in [n for n in self.names.one_arg_callees if n != callee][:MAX_WRAPS]:
            new = cst.Call(func=cst.Name(name), args=[cst.Arg(expr.with_changes(lpar=[], rpar=[]))])
            self._add(expr, "call_wrap", new, _code(new))

    def _operands(self, expr: cst.BaseExpression) -> None:
        """`self.price` -> `self.price * self.quantity`, `self.window` -> `now - self.window`:
        an operand left out, taken from the function's names or the object's attributes."""
        is_self = (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
        )
        if not self.scopes or not (is_self or isinstance(expr, cst.Name)):
            return
        own = _code(expr.with_changes(lpar=[], rpar=[]))
        if own in _NOT_OPERANDS:
            return
        # The function's own names first, then the object's attributes (in methods).
        others: list[cst.BaseExpression] = [
            cst.Name(n) for n in self._scope().names if n != own and n not in _NOT_OPERANDS
        ]
        if "self" in self._scope().names:
            others += [
                cst.Attribute(value=cst.Name("self"), attr=cst.Name(a))
                for a in self.names.self_attributes
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
                new = cst.BinaryOperation(left=left, operator=op, right=right)
                self._add(expr, "operand_insertion", new, _code(new))

    def _offsets(self, expr: cst.BaseExpression, wrap: bool) -> None:
        if not isinstance(
            expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BinaryOperation)
        ):
            return
        if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
            return
        if (
            isinstance(expr, cst.BinaryOperation)
            and isinstance(expr.operator, (cst.Add, cst.Subtract))
            and isinstance(expr.right, (cst.Integer, cst.UnaryOperation))
        ):
            return  # `n - 1 + 1` only undoes an offset: the constant and dropping edits do that
        for op in (cst.Subtract(), cst.Add()):
            new = _offset(expr, op, wrap or isinstance(expr, cst.BinaryOperation) and wrap)
            self._add(expr, "expression_offset", new, _code(new))

    def _variable(self, node: cst.Name) -> None:
        if node.value in ("True", "False"):
            new = cst.Name("False" if node.value == "True" else "True")
            self._add(node, "constant", new, new.value)
            return
        if node.value == "None":
            return
        names = [*self._scope().names, *self.module_names.names]
        candidates = [n for n in dict.fromkeys(names) if n != node.value and n not in self.defined]
        for name in candidates[:MAX_NAMES]:
            self._add(node, "variable_replacement", node.with_changes(value=name), name)

    def _similar_callees(self, name: str) -> list[str]:
        known = CALL_FAMILIES.get(name, [])
        similar = [
            other
            for other in sorted(self.defined)
            if other != name and difflib.SequenceMatcher(a=name, b=other).ratio() >= 0.75
        ]
        return list(dict.fromkeys([*known, *similar]))

    def _import_fix(self, old: str, new: str) -> Callable[[cst.Module], cst.Module] | None:
        """`from bisect import bisect_left` also imports bisect_right when the call changes."""
        if new in self.defined or old not in self.imported_from:
            return None
        module = self.imported_from[old].module
        if module is None:
            return None
        target = _code(module)

        def fix(tree: cst.Module) -> cst.Module:
            # The old name still used elsewhere keeps its import; else it gives way.
            still_used = _uses_name(tree, old)
            fixed = tree.visit(_AddImport(target, old, new, still_used))
            assert isinstance(fixed, cst.Module)
            return fixed

        return fix


class _NameUses(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.count = name, 0

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.count += node.value == self.name


def _uses_name(tree: cst.Module, name: str) -> bool:
    uses = _NameUses(name)
    tree.visit(uses)
    return uses.count > 0


class _AddImport(cst.CSTTransformer):
    def __init__(self, module: str, beside: str, name: str, keep: bool) -> None:
        super().__init__()
        self.module, self.beside, self.name, self.keep = module, beside, name, keep

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.module is None or _code(updated_node.module) != self.module:
            return updated_node
        if isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        names = list(updated_node.names)
        if any(a.evaluated_name == self.name for a in names):
            return updated_node
        if not any(a.evaluated_name == self.beside for a in names):
            return updated_node
        if not self.keep:
            names = [
                a.with_changes(name=cst.Name(self.name)) if a.evaluated_name == self.beside else a
                for a in names
            ]
            return updated_node.with_changes(names=names)
        last = names[-1]
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.append(cst.ImportAlias(name=cst.Name(self.name)))
        return updated_node.with_changes(names=names)


_BUILTINS = set(dir(__import__("builtins")))


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _describe(line: int, edit: _Edit) -> str:
    old = _code(edit.old).strip().splitlines()
    before = old[0] if old else ""
    if len(before) > 60:
        before = before[:57] + "..."
    if edit.family == "statement_deletion":
        return f"line {line}: delete `{before}`"
    if edit.family in ("statement_insertion", "guard"):
        return f"line {line}: {edit.text}"
    after = edit.text.strip().splitlines()[0] if edit.text.strip() else ""
    if len(after) > 60:
        after = after[:57] + "..."
    return f"line {line}: `{before}` -> `{after}`"


class Site(BaseModel):
    """One planned edit, not rendered yet: rendering costs a tree rewrite."""

    line: int
    operator: str
    index: int  # position in the mutator's edit list


class ModuleMutator:
    """Plans every edit at the given lines of one module, and renders them one at a time."""

    def __init__(self, source: str, lines: Sequence[int]) -> None:
        self.source = source
        wrapper = MetadataWrapper(cst.parse_module(source))
        names = _Names()
        wrapper.visit(names)
        collector = _Collector(set(lines), names)
        wrapper.visit(collector)
        self._module = wrapper.module
        self._edits: list[tuple[int, _Edit]] = []
        for line in dict.fromkeys(lines):
            for edit in sorted(collector.edits.get(line, []), key=lambda e: _RANK[e.family]):
                self._edits.append((line, edit))
        self.sites = [
            Site(line=line, operator=edit.family, index=i)
            for i, (line, edit) in enumerate(self._edits)
        ]

    def render(self, site: Site) -> Mutant | None:
        line, edit = self._edits[site.index]
        module = self._module
        try:
            tree = cast(cst.Module, module.deep_replace(edit.old, cast(Any, edit.new)))
            if edit.after is not None:
                tree = edit.after(tree)
            code = tree.code
            if edit.family == "statement_deletion" or edit.after is not None:
                cst.parse_module(code)  # an emptied block does not parse
        except Exception:
            if edit.family != "statement_deletion":
                return None
            try:
                code = cast(
                    cst.Module,
                    module.deep_replace(edit.old, cst.SimpleStatementLine(body=[cst.Pass()])),
                ).code
            except Exception:
                return None
        if code == self.source:
            return None
        return Mutant(
            operator=edit.family, description=_describe(line, edit), line=line, new_source=code
        )


def mutants_for_lines(source: str, lines: Sequence[int]) -> Iterator[Mutant]:
    """Every single edit at each of ``lines``, in that order; family order within a line."""
    mutator = ModuleMutator(source, lines)
    seen = {source}
    for site in mutator.sites:
        mutant = mutator.render(site)
        if mutant is None or mutant.new_source in seen:
            continue
        seen.add(mutant.new_source)
        yield mutant
