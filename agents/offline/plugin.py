"""The offline engine as a pluggy plugin: libcst edits, most promising first.

Every edit at the suspicious lines is planned up front (cheap), ordered by the suspiciousness of
its line times the prior of its operator family, and rendered only when the orchestrator asks
for the next candidate (rendering rewrites the tree).

An edit that cannot be planned or rendered is skipped, not the search: at the end of the run
one message says how many were skipped and the first reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import libcst as cst

from aiap.edits import edits_between
from aiap.hookspecs import RepairRequest, hookimpl
from aiap.models import CodePatch, RunState
from aiap.offline.mutants import ModuleMutator, Site
from aiap.offline.priors import prior
from aiap.offline.skips import Skips
from aiap.testfiles import is_test_file

# Each further edit of one node is this much less likely than the one before, and each further
# node a family edits at one line, this much less than the one before it.
SAME_NODE_DECAY = 0.85
NEXT_NODE_DECAY = 0.9


class OfflineEngine:
    name = "offline"

    def __init__(self) -> None:
        self.skips = Skips()  # since the last search finished: every request of the run

    @hookimpl
    def aiap_search_finished(self, state: RunState) -> None:
        message = self.skips.message()
        if message is not None:
            state.messages.append(message)
        self.skips = Skips()  # the next run, if this engine is asked again, starts afresh

    @hookimpl
    def aiap_propose_patches(self, request: RepairRequest) -> Iterator[CodePatch]:
        lines: dict[str, dict[int, float]] = {}
        for location in request.locations:
            if is_test_file(location.path, request.test_files):
                continue
            scores = lines.setdefault(location.path, {})
            for line in range(location.start_line, location.end_line + 1):
                scores[line] = max(scores.get(line, 0.0), location.score)
        mutators: dict[str, ModuleMutator] = {}
        plan: list[tuple[float, int, str, Site]] = []
        for path, scores in lines.items():
            source = _read(request, path)
            if source is None:
                continue
            try:
                mutator = ModuleMutator(source, list(scores), self.skips)
            except cst.ParserSyntaxError:
                continue  # the orchestrator names unparseable files itself
            except Exception as error:  # libcst giving up on the module (too deep, ...)
                self.skips.add(f"reading {path}", error)
                continue
            mutators[path] = mutator
            variants: Counter[tuple[int, str, int]] = Counter()
            nodes: dict[tuple[int, str], dict[int, int]] = {}
            for site in mutator.sites:
                # A family's chance at a line is shared among its edits there: each further
                # edit of one node, and the first edit of each further node, weighs less. A
                # line with a dozen literals, or a hundred statements to insert, must not hold
                # back the likeliest edit of the next lines.
                v = variants[site.line, site.operator, site.node]
                variants[site.line, site.operator, site.node] += 1
                ordinals = nodes.setdefault((site.line, site.operator), {})
                n = ordinals.setdefault(site.node, len(ordinals))
                share = SAME_NODE_DECAY**v * NEXT_NODE_DECAY**n
                priority = scores[site.line] * prior(site.operator) * share * site.weight
                plan.append((-priority, len(plan), path, site))
        plan.sort(key=lambda entry: (entry[0], entry[1]))
        seen: set[tuple[str, str]] = set()
        for _, _, path, site in plan:
            mutator = mutators[path]
            mutant = mutator.render(site)
            if mutant is None or (path, mutant.new_source) in seen:
                continue
            seen.add((path, mutant.new_source))
            yield CodePatch(
                engine=self.name,
                operator=mutant.operator,
                description=f"{path}:{mutant.description}",
                edits=edits_between(path, mutator.source, mutant.new_source),
                score=lines[path][site.line],  # the line's suspiciousness
                prior=prior(mutant.operator),
                # Dropping a verbatim repeat is as small as a change gets.
                size=1 if mutant.operator == "duplicate_deletion" else 0,
            )


def _read(request: RepairRequest, path: str) -> str | None:
    if path in request.sources:
        return request.sources[path]
    try:
        return (Path(request.root) / path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
