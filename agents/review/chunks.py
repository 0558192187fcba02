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
from collections.abc import Collection, Iterator
from dataclasses import dataclass

RUN_LINES = 2000  # a module this short is parsed whole
LARGE = 8  # runs: a module longer is searched only around the wanted lines
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # Python's own line ends only
_STARTS = re.compile(r"[A-Za-z_@]")
_CONTINUES = re.compile(r"(else|elif|except|finally)\b")
# Comments and strings, in the order the tokenizer meets them (group 1: a triple-quoted one).
_TOKENS = re.compile(
    r"#[^\r\n]*"
    r"|(\"\"\"(?:\\.|[^\\])*?\"\"\"|\'\'\'(?:\\.|[^\\])*?\'\'\')"
    r"|\"(?:\\.|[^\"\\\r\n])*\"|\'(?:\\.|[^\'\\\r\n])*\'",
    re.DOTALL,  # a backslash escapes a line end too
)


@dataclass
class Run:
    first: int  # its first line in the module, from 1
    lines: list[str]
    tree: ast.Module

    @property
    def last(self) -> int:
        return self.first + len(self.lines) - 1


def _inside_strings(lines: list[str]) -> set[int]:
    """Indexes of the lines that continue a string begun on an earlier line (a docstring's
    body, which may read like code)."""
    offsets, total = [], 0
    for line in lines:
        offsets.append(total)
        total += len(line)
    inside: set[int] = set()
    for token in _TOKENS.finditer("".join(lines)):
        if token.group(1) is None:
            continue  # a comment or a one-line string
        first = bisect.bisect_right(offsets, token.start()) - 1
        last = bisect.bisect_right(offsets, token.end() - 1) - 1
        inside.update(range(first + 1, last + 1))
    return inside


def _may_start(lines: list[str]) -> list[int]:
    """Indexes of the lines that may begin a top-level statement: not indented, not inside a
    string, not a clause of the statement before, not after a decorator."""
    starts = []
    after_decorator = False
    strings = _inside_strings(lines)
    for index, line in enumerate(lines):
        if (
            _STARTS.match(line)
            and not after_decorator
            and not _CONTINUES.match(line)
            and index not in strings
        ):
            starts.append(index)
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            after_decorator = line.startswith("@")
    return starts


def statement_runs(
    source: str, run_lines: int = RUN_LINES, wanted: Collection[int] | None = None
) -> Iterator[Run]:
    """The module's runs in order; SyntaxError (its line numbered in the module) when a part
    of it does not parse.

    ``wanted``: only the runs that hold one of these lines, when the module is large. Those
    runs are then found from the lines outwards, without parsing the rest of the module: a
    run that does not parse grows both ways until it does."""
    lines = _LINE.findall(source)
    if len(lines) <= run_lines:
        yield Run(1, lines, ast.parse(source))
        return
    starts = _may_start(lines)
    if wanted is not None and len(lines) > LARGE * run_lines:
        yield from _runs_around(lines, starts, sorted(wanted), run_lines)
        return
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


def _runs_around(
    lines: list[str], starts: list[int], wanted: list[int], run_lines: int
) -> Iterator[Run]:
    covered = 0  # lines before this index are in a run already yielded
    for line in wanted:
        index = line - 1
        if index < covered or index >= len(lines):
            continue
        reach = run_lines // 2
        while True:
            at = bisect.bisect_right(starts, max(covered, index - reach)) - 1
            begin = max(covered, starts[at] if at >= 0 else 0)
            at = bisect.bisect_left(starts, index + 1 + reach)
            end = starts[at] if at < len(starts) else len(lines)
            try:
                tree = ast.parse("".join(lines[begin:end]))
                break
            except SyntaxError as error:
                if begin <= covered and end >= len(lines):
                    if error.lineno is not None:
                        error.lineno += begin
                    raise
                reach *= 2  # a statement runs past the window: take more on both sides
        yield Run(begin + 1, lines[begin:end], tree)
        covered = end
