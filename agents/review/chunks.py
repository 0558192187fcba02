"""A module as runs of whole top-level statements, each parsed by itself.

``ast.parse`` on a 5 MB module holds about 660 MB of nodes at once; a run of a few thousand
lines holds a few MB, and the runs come one at a time. A run ends where a line may begin a
top-level statement; a line that only looks like one (inside a string or brackets) makes the
run fail to parse, and the run grows until it parses, so the runs are always the module's own
statements.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

RUN_LINES = 2000  # a module this short is parsed whole
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # Python's own line ends only
_STARTS = re.compile(r"[A-Za-z_@]")
_CONTINUES = re.compile(r"(else|elif|except|finally)\b")


@dataclass
class Run:
    first: int  # its first line in the module, from 1
    lines: list[str]
    tree: ast.Module

    @property
    def last(self) -> int:
        return self.first + len(self.lines) - 1


def _may_start(lines: list[str]) -> list[int]:
    """Indexes of the lines that may begin a top-level statement: not indented, not a clause of
    the statement before, not after a decorator."""
    starts = []
    after_decorator = False
    for index, line in enumerate(lines):
        if _STARTS.match(line) and not after_decorator and not _CONTINUES.match(line):
            starts.append(index)
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            after_decorator = line.startswith("@")
    return starts


def statement_runs(source: str, run_lines: int = RUN_LINES) -> Iterator[Run]:
    """The module's runs in order; SyntaxError (its line numbered in the module) when a part
    of it does not parse."""
    lines = _LINE.findall(source)
    if len(lines) <= run_lines:
        yield Run(1, lines, ast.parse(source))
        return
    starts = _may_start(lines)
    begin, size = 0, run_lines
    while begin < len(lines):
        at = bisect.bisect_left(starts, begin + size)
        end = starts[at] if at < len(starts) else len(lines)
        try:
            tree = ast.parse("".join(lines[begin:end]))
        except SyntaxError as error:
            if end < len(lines):
                size *= 2  # the run ended inside a statement: take more (linear overall)
                continue
            if error.lineno is not None:
                error.lineno += begin
            if error.end_lineno is not None:
                error.end_lineno += begin
            raise
        yield Run(begin + 1, lines[begin:end], tree)
        begin, size = end, run_lines
