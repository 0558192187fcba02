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
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import libcst as cst
from libcst.metadata import (
    CodePosition,
    CodeRange,
    MetadataWrapper,
    PositionProvider,
    WhitespaceInclusivePositionProvider,
)
from pydantic import BaseModel

from aiap.offline.families import FAMILIES, Family
from aiap.offline.rewrite import code
from aiap.offline.skips import Skips, reason
from aiap.offline.walk import Planned, plan

_RANK = {family: i for i, family in enumerate(FAMILIES)}
_NEWLINE = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


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
    node: int = 0  # which node it changes, numbered in the module (its edits share a chance)
    weight: float = 1.0  # the operator's hint (Change.weight)


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


# Nodes whose text depends on where they sit (indentation), rendered with the whole module
# (statements are spliced line by line, before this is asked).
_WHOLE = (cst.BaseSuite, cst.Module, cst.BaseSmallStatement)


def _line_starts(source: str) -> list[int]:
    """The offset in ``source`` where each line (0-based) starts, as libcst counts lines (a
    form feed does not end one); a last line with no newline ends where the source does."""
    starts = [0, *(m.end() for m in _NEWLINE.finditer(source))]
    if starts[-1] != len(source):
        starts.append(len(source))
    return starts


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

    def __init__(
        self,
        source: str,
        lines: Sequence[int],
        skips: Skips | None = None,
        *,
        splice: bool = True,
    ) -> None:
        """``splice=False`` renders the whole module for every edit: the reference the faster
        splice is checked against."""
        self.source = source
        # libcst renders a last line that has no newline as if it had one, then drops it.
        self.splice = splice and source.endswith(("\n", "\r"))
        self.skips = Skips() if skips is None else skips
        # libcst drops a UTF-8 byte order mark on parsing: a module rendered whole gets it back.
        self._bom = _BOM if source.startswith(_BOM) else ""
        module = cst.parse_module(source)  # a syntax error is the caller's to report
        self._module = module
        self._positions: Mapping[cst.CSTNode, CodeRange] = {}
        # Spans of the text each node renders (parentheses included): an edit inside one
        # statement is spliced into the source instead of rendering the whole module again.
        self._spans: Mapping[cst.CSTNode, CodeRange] = {}
        self._functions: list[tuple[int, int, cst.FunctionDef]] = []  # their spans, as offsets
        self._line_starts = _line_starts(source)
        self._line_starts[0] = len(self._bom)  # libcst's columns of line 1 start after it
        self._edits: list[tuple[int, Planned]] = []
        try:
            wrapper = MetadataWrapper(module)
            planned = plan(wrapper, set(lines), self.skips)
            self._module = wrapper.module
            self._positions = wrapper.resolve(PositionProvider)
            self._spans = wrapper.resolve(WhitespaceInclusivePositionProvider)
            self._functions = [
                (self._offset(span.start), self._offset(span.end), node)
                for node, span in self._spans.items()
                if isinstance(node, cst.FunctionDef)
            ]
            self._edits = [
                (line, edit)
                for line in dict.fromkeys(lines)
                for edit in sorted(planned.get(line, []), key=lambda p: _RANK[p.family])
            ]
        except Exception as error:  # the whole module's edits: counted as one
            self.skips.add("planning", error)
        nodes: dict[int, int] = {}
        self.sites = [
            Site(
                line=line,
                operator=edit.family,
                index=i,
                node=nodes.setdefault(id(edit.change.old), len(nodes)),
                weight=edit.change.weight,
            )
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

    def _spliced(self, old: cst.CSTNode, new: object) -> str | None:
        """The source with ``old``'s text replaced by ``new``'s, or None when the text depends on
        the indentation of the block around (statements, and nodes that span lines: libcst
        indents their continuation lines relative to the block)."""
        span = self._spans.get(old) if self.splice else None
        if span is None:
            return None
        start, end = self._offset(span.start), self._offset(span.end)
        if isinstance(old, cst.BaseStatement):
            return self._spliced_statement(old, new, start, end)
        if span.start.line != span.end.line or isinstance(old, _WHOLE):
            return None
        if not isinstance(new, cst.CSTNode):
            return None
        text = self._module.code_for_node(new)
        if "\n" in text or "\r" in text:
            return None
        return self.source[:start] + text + self.source[end:]

    def _offset(self, position: CodePosition) -> int:
        # libcst ends the last node of a source with no final newline on the line after it.
        line = min(position.line, len(self._line_starts)) - 1
        return min(self._line_starts[line] + position.column, len(self.source))

    def _spliced_syntax_error(self, old: cst.CSTNode, new_source: str) -> str | None:
        """``_syntax_error`` of a spliced source, parsing only the innermost function around
        the edit: the rest is the module as it was, which parses."""
        span = self._spans[old]
        start, end = self._offset(span.start), self._offset(span.end)
        around = [
            (f_end - f_start, f_start, f_end, node)
            for f_start, f_end, node in self._functions
            if f_start <= start and end <= f_end and node is not old
        ]
        if not self._python or not around:
            return _syntax_error(new_source, self._python)
        _, f_start, f_end, node = min(around, key=lambda f: f[0])
        region = new_source[f_start : f_end + len(new_source) - len(self.source)]
        # A method is indented: under an `if` it parses as it stands.
        indented = self._positions[node].start.column > 0
        return _syntax_error("if 1:\n" + region if indented else region, python=True)

    def _spliced_statement(
        self, old: cst.BaseStatement, new: object, start: int, end: int
    ) -> str | None:
        """A statement deleted, or one line inserted before or after it (its span runs from
        its leading comments and blank lines to the end of its last line, its block's too)."""
        source = self.source
        if new is cst.RemovalSentinel.REMOVE:
            return source[:start] + source[end:]
        if not isinstance(new, cst.FlattenSentinel) or len(new.nodes) != 2:
            return None
        first, second = new.nodes
        if (first is old) == (second is old):
            return None
        copy = second if first is old else first
        text = self._module.code_for_node(copy)
        if text.count("\n") != 1 or not text.endswith("\n") or "\r" in text:
            return None  # lines of a statement that spans several are indented by its block
        content = self._positions[old].start
        line_start = self._line_starts[content.line - 1]
        indent = source[line_start : line_start + content.column]
        if indent.strip():
            return None  # not alone on its line
        at = end if first is old else start
        return source[:at] + indent + text + source[at:]

    def _rendered(self, edit: Planned) -> str | None:
        change = edit.change
        try:
            new_source = None if change.after else self._spliced(change.old, change.new)
            if new_source is not None:
                error = self._spliced_syntax_error(change.old, new_source)
            else:
                tree = self._replaced(change.old, change.new)
                if change.after is not None:
                    tree = change.after(tree)
                new_source = self._bom + tree.code
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
            new_source = self._bom + self._replaced(change.old, keep).code
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
