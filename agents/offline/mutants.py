"""Program transformations of the offline engine: small edits at given lines, made with libcst
so that formatting and comments survive.

``mutants_for_lines`` yields, line by line in the order asked, every single edit of the
operator families (agents/offline/operators.py), family by family in the order of
agents/offline/families.py; each mutant is the whole new module text. Duplicates and no-op
edits are dropped.

Every mutant parses: one that does not (an emptied block apart, which gets a ``pass``) is
dropped. An edit that cannot be planned or rendered is skipped and counted in the mutator's
``skips``; the module and the other edits are not affected.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from pydantic import BaseModel

from aiap.offline.families import FAMILIES, Family
from aiap.offline.rewrite import code
from aiap.offline.skips import Skips, reason
from aiap.offline.walk import Planned, plan

_RANK = {family: i for i, family in enumerate(FAMILIES)}


class Mutant(BaseModel):
    operator: Family
    description: str
    line: int
    new_source: str


class Site(BaseModel):
    """One planned edit, not rendered yet: rendering costs a tree rewrite."""

    line: int
    operator: Family
    index: int  # position in the mutator's edit list


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    return first if len(first) <= 60 else first[:57] + "..."


def _describe(line: int, planned: Planned) -> str:
    change = planned.change
    if planned.family in ("statement_insertion", "guard"):
        return f"line {line}: {change.text}"
    before = _first_line(code(change.old))
    if planned.family == "statement_deletion":
        return f"line {line}: delete `{before}`"
    return f"line {line}: `{before}` -> `{_first_line(change.text)}`"


def _syntax_error(source: str, python: bool) -> str | None:
    """Why ``source`` does not parse, or None: checked by Python's own parser, or by libcst's
    when Python's cannot read the original module (newer syntax than this interpreter's)."""
    try:
        if python:
            ast.parse(source)
        else:
            cst.parse_module(source)
    except (SyntaxError, ValueError, cst.ParserSyntaxError) as error:
        return reason(error)
    return None


class _Replace(cst.CSTTransformer):
    """``deep_replace`` that only goes down the nodes whose span holds the old node's (a
    decorator lies outside its function's span: the caller checks ``done``)."""

    def __init__(
        self, old: cst.CSTNode, new: object, positions: Mapping[cst.CSTNode, CodeRange]
    ) -> None:
        super().__init__()
        self.old, self.new, self.positions, self.done = old, new, positions, False
        where = positions[old]
        self._start = (where.start.line, where.start.column)
        self._end = (where.end.line, where.end.column)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.old:
            return False
        where = self.positions.get(node)
        if where is None:
            return True
        start, end = (where.start.line, where.start.column), (where.end.line, where.end.column)
        return start <= self._start and self._end <= end

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        if original_node is self.old:
            self.done = True
            return self.new
        return updated_node


class ModuleMutator:
    """Plans every edit at the given lines of one module, and renders them one at a time.

    ``skips`` counts the edits that could not be planned or rendered, and why (one may be
    shared by several mutators).
    """

    def __init__(self, source: str, lines: Sequence[int], skips: Skips | None = None) -> None:
        self.source = source
        self.skips = Skips() if skips is None else skips
        module = cst.parse_module(source)  # a syntax error is the caller's to report
        self._module = module
        self._positions: Mapping[cst.CSTNode, CodeRange] = {}
        self._edits: list[tuple[int, Planned]] = []
        try:
            wrapper = MetadataWrapper(module)
            planned = plan(wrapper, set(lines), self.skips)
            self._module = wrapper.module
            self._positions = wrapper.resolve(PositionProvider)
            self._edits = [
                (line, edit)
                for line in dict.fromkeys(lines)
                for edit in sorted(planned.get(line, []), key=lambda p: _RANK[p.family])
            ]
        except Exception as error:  # the whole module's edits: counted as one
            self.skips.add("planning", error)
        self.sites = [
            Site(line=line, operator=edit.family, index=i)
            for i, (line, edit) in enumerate(self._edits)
        ]
        self._python = _syntax_error(source, python=True) is None

    def render(self, site: Site) -> Mutant | None:
        """The module with the site's edit made, or None: a no-op, or an edit skipped."""
        line, edit = self._edits[site.index]
        try:
            new_source = self._rendered(edit)
            if new_source is None or new_source == self.source:
                return None
            return Mutant(
                operator=edit.family,
                description=_describe(line, edit),
                line=line,
                new_source=new_source,
            )
        except Exception as error:  # this edit only
            self.skips.add(edit.family, error)
            return None

    def _replaced(self, old: cst.CSTNode, new: object) -> cst.Module:
        """The module with ``old`` replaced, visiting only the nodes around it when it can."""
        if old in self._positions:
            replace = _Replace(old, new, self._positions)
            tree = self._module.visit(replace)
            if replace.done:
                return tree
        return cast(cst.Module, self._module.deep_replace(old, cast(Any, new)))

    def _rendered(self, edit: Planned) -> str | None:
        change = edit.change
        try:
            tree = self._replaced(change.old, change.new)
            if change.after is not None:
                tree = change.after(tree)
            new_source = tree.code
            error = _syntax_error(new_source, self._python)
        except Exception as failure:
            if edit.family != "statement_deletion":
                raise
            error = reason(failure)
        if error is None:
            return new_source
        if edit.family == "statement_deletion" and isinstance(change.old, cst.BaseStatement):
            # The block emptied: `pass` keeps it.
            keep = cst.SimpleStatementLine(body=[cst.Pass()])
            new_source = self._replaced(change.old, keep).code
            error = _syntax_error(new_source, self._python)
            if error is None:
                return new_source
        self.skips.add(edit.family, f"unparseable: {error}")
        return None


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
