"""The walk over a module that plans the offline engine's edits: it keeps the context of each
node and asks the operators of the node's type (agents/offline/operators.py) for their changes,
keeping those at the lines wanted.

Operators are asked only about nodes that span a wanted line: every change they plan lies
inside the node. An operator that raises on a node loses the rest of that node's changes, not
the module's: the failure is counted in the walk's skips (agents/offline/skips.py).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import ExpressionContextProvider, MetadataWrapper, PositionProvider

from aiap.offline.context import Change, Context
from aiap.offline.families import Family
from aiap.offline.operators import OPERATORS
from aiap.offline.scope import Names
from aiap.offline.skips import Skips


@dataclass(frozen=True)
class Planned:
    family: Family
    change: Change


class _Walk(cst.CSTVisitor):
    def __init__(self, context: Context, skips: Skips) -> None:
        super().__init__()
        self.context = context
        self.skips = skips
        self.planned: dict[int, list[Planned]] = {}  # by line, in the order met
        self._lines = sorted(context.wanted)

    def _spans_wanted(self, node: cst.CSTNode) -> bool:
        where = self.context.positions.get(node)
        if where is None:
            return True  # no span known: the operators are asked, as before
        i = bisect_left(self._lines, where.start.line)
        return i < len(self._lines) and self._lines[i] <= where.end.line

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
        operators = OPERATORS.get(type(node), ())
        if operators and self._spans_wanted(node):
            for operator in operators:
                try:
                    for change in operator.changes(node, context):
                        line = context.line(change.old if change.at is None else change.at)
                        if line in context.wanted:
                            planned = Planned(operator.family, change)
                            self.planned.setdefault(line, []).append(planned)
                except Exception as error:  # one operator's edits lost, not the module's
                    self.skips.add(operator.family, error)
        context.ancestors.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.context.ancestors.pop()
        if isinstance(original_node, cst.FunctionDef):
            self.context.functions.pop()


def plan(wrapper: MetadataWrapper, lines: set[int], skips: Skips) -> dict[int, list[Planned]]:
    """Every edit the operators offer at `lines` of the wrapped module, by line; the operators
    that failed on a node are counted in `skips`."""
    names = Names()
    wrapper.visit(names)
    context = Context(
        names=names,
        wanted=lines,
        positions=wrapper.resolve(PositionProvider),
        expression_contexts=wrapper.resolve(ExpressionContextProvider),
    )
    walk = _Walk(context, skips)
    wrapper.module.visit(walk)
    return walk.planned
