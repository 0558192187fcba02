"""The second edit format: a whole function, rewritten, in a code fence.

Small models that cannot copy SEARCH lines exactly often answer with the fixed function. Each
``def`` of the answer's Python fences that names exactly one function of the files under repair
(a method: of the class it sits in, if the answer shows it) replaces that function, re-indented
to where it stands. Line numbers copied from the context (`` 8 | x = 1``) are taken off first.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from aiap.llm.searchreplace import AnswerError, strip_line_numbers

FENCED = re.compile(r"^\s*(?:```|~~~)[^\n]*\n(.*?)^\s*(?:```|~~~)\s*$", re.M | re.S)


@dataclass
class _Def:
    name: str
    owner: str | None  # the class it is a method of
    method: bool  # in a class, or taking self or cls: an answer's method shown alone
    start: int  # first line (its decorators'), 1-based
    def_line: int  # the line of ``def``
    end: int
    code: str  # its source, as written


def _defs(text: str) -> list[_Def] | None:
    """The functions of a module and the methods of its classes; None when it does not parse."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except cst.ParserSyntaxError:
        return None
    module = wrapper.module
    positions = wrapper.resolve(PositionProvider)
    found: list[_Def] = []

    def add(node: cst.FunctionDef, owner: str | None) -> None:
        pos = positions[node]  # from the def line: decorators are apart
        first = positions[node.decorators[0]].start.line if node.decorators else pos.start.line
        code = module.code_for_node(node.with_changes(leading_lines=()))
        params = node.params.params
        method = owner is not None or (bool(params) and params[0].name.value in ("self", "cls"))
        found.append(
            _Def(node.name.value, owner, method, first, pos.start.line, pos.end.line, code)
        )

    class Visitor(cst.CSTVisitor):
        """Every def, nested ones too (a helper inside a function is where a bug may be)."""

        def __init__(self) -> None:
            self.owners: list[str | None] = [None]

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self.owners.append(node.name.value)

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
            self.owners.pop()

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            add(node, self.owners[-1])
            self.owners.append(None)  # a def inside a def is nobody's method

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.owners.pop()

    module.visit(Visitor())
    return found


def answer_functions(answer: str) -> list[_Def]:
    """Every function the answer's code fences define (its whole text when it has no fence)."""
    bodies = FENCED.findall(answer) or [answer]
    found: list[_Def] = []
    for body in bodies:
        code = textwrap.dedent(strip_line_numbers(body))
        defs = _defs(code)
        if defs:
            found.extend(defs)
    return found


def function_edits(
    answer: str, sources: Mapping[str, str], order: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """path -> (old text, new text) for the functions the answer rewrites; AnswerError when
    it rewrites none of the files' functions. ``order``: the files to look in first."""
    wanted = answer_functions(answer)
    if not wanted:
        raise AnswerError("the answer has neither a SEARCH/REPLACE block nor a whole function")
    paths = list(dict.fromkeys([*(p for p in order if p in sources), *sources]))
    in_files = {path: _defs(sources[path]) or [] for path in paths}
    texts = {path: sources[path] for path in paths}
    changed: set[str] = set()
    for new in wanted:
        places = [
            (path, old)
            for path in paths
            for old in in_files[path]
            if old.name == new.name and _same_kind(old, new)
        ]
        if not places:
            continue
        if len(places) > 1:
            where = ", ".join(f"{p}:{d.start}" for p, d in places[:4])
            raise AnswerError(
                f"the function {new.name} is defined in {len(places)} places ({where}); "
                "answer with a SEARCH/REPLACE block instead"
            )
        path, old = places[0]
        texts[path] = _replaced(texts[path], old, new.code)
        in_files[path] = _defs(texts[path]) or []  # the lines after it moved
        changed.add(path)
    if not changed:
        names = ", ".join(sorted({d.name for d in wanted}))
        raise AnswerError(
            f"the answer's functions ({names}) are none of the functions shown; "
            "rewrite one of them, keeping its name"
        )
    return {p: (sources[p], texts[p]) for p in sorted(changed) if texts[p] != sources[p]}


def _same_kind(old: _Def, new: _Def) -> bool:
    """A method for a method (of the class the answer shows it in), a function for one."""
    if new.owner is not None:
        return old.owner == new.owner
    return old.method == new.method


def _replaced(text: str, old: _Def, code: str) -> str:
    """``text`` with ``old``'s lines replaced by ``code``; an answer that leaves out the
    decorators keeps the file's (a model fixing a body does not mean to drop ``@property``)."""
    start = old.start if code.lstrip().startswith("@") else old.def_line
    lines = text.splitlines(keepends=True)
    first = lines[start - 1]
    indent = first[: len(first) - len(first.lstrip())]
    newline = "\r\n" if first.endswith("\r\n") else "\n"
    body = textwrap.indent(textwrap.dedent(code).strip("\n"), indent)
    new = [line + newline for line in body.split("\n")]
    return "".join(lines[: start - 1] + new + lines[old.end :])
