"""SEARCH/REPLACE blocks: parsed from a model's answer, checked, applied to the project's sources.

A block is a line with the file path, then ``<<<<<<< SEARCH``, the old lines, ``=======``, the
new lines, ``>>>>>>> REPLACE``. Parsing forgives what models do (code fences around blocks,
a path in backticks or in a sentence or a fence's info string, trailing spaces, a path given
once for several blocks, line numbers copied in front of every line); applying does not
guess: the SEARCH lines must match exactly one place, first exactly (trailing whitespace
ignored), then with indentation ignored, re-indenting the new lines to fit.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence

from pydantic import BaseModel

SEARCH = re.compile(r"^\s*<{5,9} ?SEARCH\s*$")
DIVIDER = re.compile(r"^\s*={5,9}\s*$")
REPLACE = re.compile(r"^\s*>{5,9} ?REPLACE\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
PATH_DECORATION = re.compile(r"^(?:#+\s*|\*\*|file(?:name)?:\s*|path:\s*)", re.IGNORECASE)
# A path-like word of a line such as "file shop/pricing.py", "In `shop/pricing.py`:".
PATH_WORD = re.compile(r"[\w.\-/\\]*\w\.(?:py|pyi|txt|cfg|toml|ini|json|ya?ml|md|rst)\b")
# A line number copied from the context: " 8 | text" (the context shows none; models add them).
NUMBERED = re.compile(r"^\s*\d+\s*\|(?: |$)")


class AnswerError(Exception):
    """An answer that cannot become a patch; the message is fed back to the model."""


class NoMatch(AnswerError):
    """A SEARCH text that matches no lines of the file it names."""


class Block(BaseModel):
    path: str
    search: str
    replace: str


def _clean_path(line: str) -> str:
    """The path a line names: its path-like word ("file x.py", "x.py:", "# x.py"), else the
    line without its decoration."""
    words: list[str] = PATH_WORD.findall(line)
    if words:
        return words[-1].strip("`*'\" :")
    path = line.strip()
    path = PATH_DECORATION.sub("", path).strip()
    path = path.strip("`*'\" :").strip()
    return "" if " " in path else path  # a sentence naming no file is no path


def strip_line_numbers(text: str) -> str:
    """``text`` without the line numbers a model copied in front of every line of it."""
    lines = text.splitlines(keepends=True)
    written = [line for line in lines if line.strip()]
    if not written or not all(NUMBERED.match(line) for line in written):
        return text
    return "".join(NUMBERED.sub("", line) if line.strip() else line for line in lines)


def parse_blocks(answer: str, default_path: str = "") -> list[Block]:
    """Every block of the answer, in order; AnswerError when there is none or one is cut off.
    ``default_path``: the file a block names no path for edits."""
    lines = answer.splitlines()
    blocks: list[Block] = []
    path = ""
    i = 0
    while i < len(lines):
        if not SEARCH.match(lines[i]):
            i += 1
            continue
        # The path: the nearest non-empty line above that is not a bare fence (a fence's
        # info string may hold it: ```python shop/pricing.py); else the last block's.
        for above in range(i - 1, -1, -1):
            text = lines[above].strip()
            if not text or (FENCE.match(text) and not PATH_WORD.search(text)):
                continue
            if not REPLACE.match(text):
                path = _clean_path(text)
            break
        if not path and default_path:
            path = default_path  # one file under repair: a block without a path edits it
        if not path:
            raise AnswerError("a SEARCH block has no file path on the line above it")
        search: list[str] = []
        i += 1
        while i < len(lines) and not DIVIDER.match(lines[i]):
            if SEARCH.match(lines[i]) or REPLACE.match(lines[i]):
                raise AnswerError(f"{path}: a SEARCH block has no ======= line")
            search.append(lines[i])
            i += 1
        if i == len(lines):
            raise AnswerError(f"{path}: a SEARCH block is cut off before =======")
        replace: list[str] = []
        i += 1
        while i < len(lines) and not REPLACE.match(lines[i]):
            if SEARCH.match(lines[i]):
                raise AnswerError(f"{path}: a block has no >>>>>>> REPLACE line")
            replace.append(lines[i])
            i += 1
        if i == len(lines):
            raise AnswerError(f"{path}: a block is cut off before >>>>>>> REPLACE")
        i += 1
        search_text = strip_line_numbers(_joined(search))
        replace_text = strip_line_numbers(_joined(replace))
        blocks.append(Block(path=path, search=search_text, replace=replace_text))
    if not blocks:
        raise AnswerError(
            "the answer has no SEARCH/REPLACE block (a file path line, <<<<<<< SEARCH, "
            "the old lines, =======, the new lines, >>>>>>> REPLACE)"
        )
    return blocks


def _joined(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def project_path(path: str) -> str | None:
    """The path relative to the project root, or None when it points outside the project."""
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return None
    normal = posixpath.normpath(path.replace("\\", "/"))
    if normal == ".." or normal.startswith("../") or normal == ".":
        return None
    return normal


def _matches(source: list[str], search: list[str], same: Callable[[str, str], bool]) -> list[int]:
    n = len(search)
    return [
        start
        for start in range(len(source) - n + 1)
        if all(same(source[start + k], search[k]) for k in range(n))
    ]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _reindent(replace: list[str], search: list[str], found: list[str]) -> list[str]:
    """Shift the new lines by the indentation difference between the SEARCH and the file."""
    first = next((k for k, line in enumerate(search) if line.strip()), None)
    if first is None:
        return replace
    have, want = _indent(search[first]), _indent(found[first])
    out = []
    for line in replace:
        if not line.strip():
            out.append(line)
        elif line.startswith(have):
            out.append(want + line[len(have) :])
        else:
            out.append(want + line.lstrip())
    return out


def _shown_one(starts: list[int], size: int, shown: Sequence[tuple[int, int]]) -> list[int]:
    """Of several matches, the one inside the first shown function (most suspicious first)
    that holds exactly one: the lines the model was shown are the lines it means."""
    for first, last in shown:
        inside = [s for s in starts if first <= s + 1 and s + size <= last]
        if len(inside) == 1:
            return inside
    return starts


def replace_once(text: str, block: Block, shown: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` with the block's SEARCH lines replaced; AnswerError unless they match once,
    or once inside one of the ``shown`` line ranges (1-based, inclusive), tried in order."""
    newline = "\r\n" if "\r\n" in text else "\n"
    source = text.splitlines()
    search = block.search.splitlines()
    replace = block.replace.splitlines()
    # Blank lines the model put around the SEARCH text are not worth failing over.
    while search and not search[0].strip():
        search.pop(0)
    while search and not search[-1].strip():
        search.pop()
    if not search:
        raise AnswerError(f"{block.path}: a SEARCH section is empty; quote the lines to replace")
    starts = _matches(source, search, lambda a, b: a.rstrip() == b.rstrip())
    new = replace
    if len(starts) > 1:
        starts = _shown_one(starts, len(search), shown)
    if not starts:
        starts = _matches(source, search, lambda a, b: a.strip() == b.strip())
        if len(starts) > 1:
            starts = _shown_one(starts, len(search), shown)
        if len(starts) == 1:
            new = _reindent(replace, search, source[starts[0] : starts[0] + len(search)])
    if not starts:
        raise NoMatch(
            f"{block.path}: the SEARCH text matches no lines of the file "
            f"(first SEARCH line: {search[0].strip()!r}); copy the lines exactly"
        )
    if len(starts) > 1:
        lines = ", ".join(str(s + 1) for s in starts[:5])
        raise AnswerError(
            f"{block.path}: the SEARCH text matches {len(starts)} places (lines {lines}); "
            "include more lines so it matches one"
        )
    start = starts[0]
    result = source[:start] + new + source[start + len(search) :]
    ending = newline if text.endswith(("\n", "\r")) or not text else ""
    return newline.join(result) + ending


def apply_blocks(
    blocks: Sequence[Block],
    read: Callable[[str], str | None],
    refuse: Callable[[str], str | None],
    shown: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> dict[str, tuple[str, str]]:
    """path -> (old text, new text) for every file the blocks change, blocks applied in order.

    ``read`` gives a project file's text (None: no such file); ``refuse`` the reason a path
    must not be edited (a test file), or None; ``shown`` the line ranges per file the model
    was shown, which settle a SEARCH text that matches more than once.
    """
    texts: dict[str, tuple[str, str]] = {}
    for block in blocks:
        path = project_path(block.path)
        if path is None:
            raise AnswerError(f"{block.path}: outside the project; edit files inside it only")
        reason = refuse(path)
        if reason:
            raise AnswerError(f"{path}: {reason}")
        if path not in texts:
            old = read(path)
            if old is None:
                raise AnswerError(
                    f"{path}: no such file in the project; edit the files shown, by their path"
                )
            texts[path] = (old, old)
        old, current = texts[path]
        ranges = (shown or {}).get(path, ()) if current == old else ()  # lines not moved yet
        edited = replace_once(current, block.model_copy(update={"path": path}), ranges)
        texts[path] = (old, edited)
    return {path: pair for path, pair in texts.items() if pair[0] != pair[1]}
