"""The suspicious files engines may edit: project sources that are UTF-8 and parse, never tests."""

from __future__ import annotations

from collections.abc import Sequence

import libcst

from aiap.models import Location, RunState
from aiap.testfiles import is_test_file
from aiap.workspace import Workspace


def editable_sources(
    ws: Workspace, locations: Sequence[Location], test_files: set[str], state: RunState
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Texts and bytes of the suspicious files that can be edited; a line in ``state`` for each
    that cannot."""
    sources: dict[str, str] = {}
    originals: dict[str, bytes] = {}
    for path in dict.fromkeys(loc.path for loc in locations):
        if is_test_file(path, test_files) or not path.endswith(".py"):
            continue
        file = ws.root / path
        if not file.is_file():
            continue
        data = file.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            _once(state, f"{path}: not UTF-8; aiap leaves it alone")
            continue
        try:
            libcst.parse_module(text)
        except libcst.ParserSyntaxError as e:
            _once(
                state,
                f"{path}: cannot be parsed (line {e.raw_line}: {e.message}); aiap leaves it alone",
            )
            continue
        sources[path] = text
        originals[path] = data
    return sources, originals


def _once(state: RunState, message: str) -> None:
    # Each search (a group, a window of lines) asks again; the user hears it once.
    if message not in state.messages:
        state.messages.append(message)
