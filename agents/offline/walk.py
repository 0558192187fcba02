"""The walk over a module that plans the offline engine's edits: it keeps the context of each
node and asks the operators of the node's type (agents/offline/operators.py) for their changes,
keeping those at the lines wanted."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContextProvider, MetadataWrapper, PositionProvider

from aiap.offline.context import Change, Context
from aiap.offline.families import Family
from aiap.offline.operators import OPERATORS
from aiap.offline.scope import Names


@dataclass(frozen=True)
class Planned:
    family: Family
    change: Change


class _Walk(cst.CSTVisitor):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.planned: dict[int, list[Planned]] = {}  # by line, in the order met

    def on_visit(self, node: cst.CSTNode) -> bool:
        context = self.context
        # What a node defines counts from the node itself on (a function's name, in its guard).
        if isinstance(node, cst.FunctionDef):
            context.defined.add(node.name.value)
            context.functions.append(node)
        elif isinstance(node, cst.ClassDef):
            context.defined.add(node.name.value)
        elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                context.defined.add(alias.evaluated_alias or alias.evaluated_name)
                context.imported_from[alias.evaluated_name] = node
        elif isinstance(node, cst.Import):
            for alias in node.names:
                context.defined.add((alias.evaluated_alias or alias.evaluated_name).split(".")[0])
        for operator in OPERATORS.get(type(node), ()):
            for change in operator.changes(node, context):
                line = context.line(change.old if change.at is None else change.at)
                if line in context.wanted:
                    self.planned.setdefault(line, []).append(Planned(operator.family, change))
        context.ancestors.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.context.ancestors.pop()
        if isinstance(original_node, cst.FunctionDef):
            self.context.functions.pop()


def plan(wrapper: MetadataWrapper, lines: set[int]) -> dict[int, list[Planned]]:
    """Every edit the operators offer at `lines` of the wrapped module, by line."""
    names = Names()
    wrapper.visit(names)
    context = Context(
        names=names,
        wanted=lines,
        positions=wrapper.resolve(PositionProvider),
        expression_contexts=wrapper.resolve(ExpressionContextProvider),
    )
    walk = _Walk(context)
    wrapper.module.visit(walk)
    return walk.planned
