"""What the operator families work with: the context of the node they are given, kept by the
walk (agents/offline/walk.py), and the change they plan for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, ExpressionContext

from aiap.offline.scope import Names, Scope


@dataclass(frozen=True)
class Change:
    """One planned edit: `old` becomes `new` (or goes); `text` says what is put there."""

    old: cst.CSTNode
    # A statement may also become several (one inserted beside it).
    new: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]
    text: str
    after: Callable[[cst.Module], cst.Module] | None = None  # a follow-up on the whole module
    at: cst.CSTNode | None = None  # the node whose line the edit belongs to, when not `old`
    # How much likelier than its family's other edits the operator holds this one to be.
    weight: float = 1.0


@dataclass
class Context:
    """Where the walk is in the module."""

    names: Names  # the first pass
    wanted: set[int]  # the lines edits are planned at
    positions: Mapping[cst.CSTNode, CodeRange]
    expression_contexts: Mapping[cst.CSTNode, ExpressionContext | None]
    ancestors: list[cst.CSTNode] = field(default_factory=list)
    functions: list[cst.FunctionDef] = field(default_factory=list)  # innermost last
    # Functions, classes and imports at any level, as met so far in the walk.
    defined: set[str] = field(default_factory=set)
    imported_from: dict[str, cst.ImportFrom] = field(default_factory=dict)
    # Statements worth inserting, with their code, by (function id, size of `defined`).
    donors: dict[tuple[int, int], list[tuple[str, cst.SimpleStatementLine]]] = field(
        default_factory=dict
    )

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def wants(self, node: cst.CSTNode) -> bool:
        return self.line(node) in self.wanted

    def loads(self, node: cst.CSTNode) -> bool:
        return self.expression_contexts.get(node) == ExpressionContext.LOAD

    @property
    def parent(self) -> cst.CSTNode | None:
        return self.ancestors[-1] if self.ancestors else None

    @property
    def function(self) -> cst.FunctionDef | None:
        return self.functions[-1] if self.functions else None

    @property
    def scope(self) -> Scope:
        """The innermost function's names, or the module's outside functions."""
        function = self.function
        return self.names.module if function is None else self.names.functions[id(function)]
