"""The offline engine as a pluggy plugin: libcst edits on the most suspicious lines first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libcst as cst

from agents.edits import edits_between
from agents.hookspecs import RepairRequest, hookimpl
from agents.localize import is_test_file
from agents.models import CodePatch
from agents.offline.mutants import mutants_for_lines


class OfflineEngine:
    name = "offline"

    @hookimpl
    def aiap_propose_patches(self, request: RepairRequest) -> Iterator[CodePatch]:
        sources: dict[str, str | None] = {}
        seen: set[tuple[str, str]] = set()
        for location in request.locations:
            path = location.path
            if is_test_file(path, request.test_files):
                continue
            if path not in sources:
                sources[path] = _read(request, path)
            source = sources[path]
            if source is None:
                continue
            lines = range(location.start_line, location.end_line + 1)
            try:
                mutants = list(mutants_for_lines(source, lines))
            except cst.ParserSyntaxError:
                sources[path] = None
                continue
            for mutant in mutants:
                if (path, mutant.new_source) in seen:
                    continue
                seen.add((path, mutant.new_source))
                yield CodePatch(
                    engine=self.name,
                    operator=mutant.operator,
                    description=f"{path}:{mutant.description}",
                    edits=edits_between(path, source, mutant.new_source),
                    score=location.score,
                )


def _read(request: RepairRequest, path: str) -> str | None:
    if path in request.sources:
        return request.sources[path]
    try:
        return (Path(request.root) / path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
