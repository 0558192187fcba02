"""Program transformations of the offline engine: small edits at given lines, made with libcst
so that formatting and comments survive.

``mutants_for_lines`` yields, line by line in the order asked, every single edit of the
operator families (agents/offline/operators.py), family by family in the order of
agents/offline/families.py; each mutant is the whole new module text. Duplicates and no-op
edits are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import libcst as cst
from libcst.metadata import MetadataWrapper
from pydantic import BaseModel

from aiap.offline.families import FAMILIES, Family
from aiap.offline.rewrite import code
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


def _describe(line: int, planned: Planned) -> str:
    change = planned.change
    old = code(change.old).strip().splitlines()
    before = old[0] if old else ""
    if len(before) > 60:
        before = before[:57] + "..."
    if planned.family == "statement_deletion":
        return f"line {line}: delete `{before}`"
    if planned.family in ("statement_insertion", "guard"):
        return f"line {line}: {change.text}"
    after = change.text.strip().splitlines()[0] if change.text.strip() else ""
    if len(after) > 60:
        after = after[:57] + "..."
    return f"line {line}: `{before}` -> `{after}`"


class ModuleMutator:
    """Plans every edit at the given lines of one module, and renders them one at a time."""

    def __init__(self, source: str, lines: Sequence[int]) -> None:
        self.source = source
        wrapper = MetadataWrapper(cst.parse_module(source))
        planned = plan(wrapper, set(lines))
        self._module = wrapper.module
        self._edits = [
            (line, edit)
            for line in dict.fromkeys(lines)
            for edit in sorted(planned.get(line, []), key=lambda p: _RANK[p.family])
        ]
        self.sites = [
            Site(line=line, operator=edit.family, index=i)
            for i, (line, edit) in enumerate(self._edits)
        ]

    def render(self, site: Site) -> Mutant | None:
        line, edit = self._edits[site.index]
        change = edit.change
        module = self._module
        try:
            tree = cast(cst.Module, module.deep_replace(change.old, cast(Any, change.new)))
            if change.after is not None:
                tree = change.after(tree)
            new_source = tree.code
            if edit.family == "statement_deletion" or change.after is not None:
                cst.parse_module(new_source)  # an emptied block does not parse
        except Exception:
            if edit.family != "statement_deletion":
                return None
            try:
                new_source = cast(
                    cst.Module,
                    module.deep_replace(change.old, cst.SimpleStatementLine(body=[cst.Pass()])),
                ).code
            except Exception:
                return None
        if new_source == self.source:
            return None
        return Mutant(
            operator=edit.family,
            description=_describe(line, edit),
            line=line,
            new_source=new_source,
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
