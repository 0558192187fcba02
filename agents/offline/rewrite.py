"""Tree rewriting the operator families share: code for a node, parentheses where an edit would
regroup operands, renaming, and keeping a `from` import in step with a renamed call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def paren(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def spaced_like(kind: Any, op: Any) -> Any:
    """An operator of another kind with the spacing of `op` (formatting is preserved)."""
    return kind(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)


def with_comma(args: Sequence[cst.Arg]) -> list[cst.Arg]:
    """``args`` ready for one more: the last one given a comma (and a space) if it has none."""
    if not args or args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        return list(args)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], args[-1].with_changes(comma=comma)]


_PRECEDENCE: dict[type, int] = {
    cst.BitOr: 1, cst.BitXor: 2, cst.BitAnd: 3, cst.LeftShift: 4, cst.RightShift: 4,
    cst.Add: 5, cst.Subtract: 5, cst.Multiply: 6, cst.Divide: 6, cst.FloorDivide: 6,
    cst.Modulo: 6, cst.MatrixMultiply: 6, cst.Power: 7,
}  # fmt: skip


def regrouped(node: cst.BinaryOperation) -> cst.BinaryOperation:
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
        changes["left"] = paren(node.left)
    if needs(node.right, left=False):
        changes["right"] = paren(node.right)
    return node.with_changes(**changes) if changes else node


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


def renamed(stmt: cst.SimpleStatementLine, old: str, new: str) -> cst.SimpleStatementLine:
    result = stmt.visit(_Rename(old, new))
    assert isinstance(result, cst.SimpleStatementLine)
    return result


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
        if updated_node.module is None or code(updated_node.module) != self.module:
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


def follow_import(module: str, old: str, new: str) -> Callable[[cst.Module], cst.Module]:
    """`from bisect import bisect_left` also imports bisect_right once a call is renamed; the
    old name, when nothing uses it any more, gives way."""

    def fix(tree: cst.Module) -> cst.Module:
        fixed = tree.visit(_AddImport(module, old, new, keep=_uses_name(tree, old)))
        assert isinstance(fixed, cst.Module)
        return fixed

    return fix
