"""Where the exact fix stands in the offline engine's order, without running a test.

Reads the suspicious lines a bench run saved (``bench/realrepair.py --json`` or
``bench/repair.py --json``), asks the offline engine for its candidates at those lines in its
order, and prints the position of the first one that gives back the original code (AST-equal).
Ordering changes can then be compared on both corpora in seconds, the localization held fixed.

    python bench/fixrank.py real.json [own.json] [--limit 1500]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from collections.abc import Iterator, Sequence
from math import log2
from pathlib import Path

from exact import same_ast
from realbugs.corpus import Bug, default_cache, load_corpus, planted

from aiap.edits import apply_edits
from aiap.hookspecs import RepairRequest
from aiap.models import Location
from aiap.offline.plugin import OfflineEngine

BUGS = Path(__file__).resolve().parent / "bugs"


def rank(
    root: Path, path: str, buggy: str, fixed: str, locations: list[Location], limit: int
) -> int:
    """1-based position of the exact fix among the engine's candidates; 0 when not within limit."""
    request = RepairRequest(root=str(root), failures=[], locations=locations, sources={path: buggy})
    for n, patch in enumerate(OfflineEngine().aiap_propose_patches(request), 1):
        if n > limit:
            break
        if all(e.path == path for e in patch.edits):
            try:
                new = apply_edits(buggy, patch.edits)
            except ValueError:
                continue
            if same_ast(new, fixed):
                return n
    return 0


def _real(entries: list[dict[str, object]], limit: int) -> Iterator[tuple[str, int]]:
    bugs: dict[str, tuple[Bug, Path]] = {}
    for lib in load_corpus():
        for bug in lib.bugs:
            bugs[bug.id] = (bug, default_cache() / lib.key / "checkout")
    for entry in entries:
        bug, checkout = bugs[str(entry["bug"])]
        # HEAD, not the work tree: a bench may have a bug planted there right now.
        pristine = subprocess.run(
            ["git", "show", f"HEAD:{bug.file}"], cwd=checkout, capture_output=True, text=True
        ).stdout
        locations = [Location.model_validate(x) for x in entry.get("locations") or []]
        yield bug.id, rank(checkout, bug.file, planted(pristine, bug), pristine, locations, limit)


def _own(entries: list[dict[str, object]], limit: int) -> Iterator[tuple[str, int]]:
    for entry in entries:
        bug = BUGS / str(entry["name"])
        files = json.loads((bug / "bug.json").read_text())["files"]
        if len(files) != 1:
            continue  # a fix of several files is not one candidate
        (path,) = files
        buggy = (bug / "project" / path).read_text()
        fixed = (bug / "fix" / path).read_text()
        locations = [Location.model_validate(x) for x in entry.get("locations") or []]
        yield bug.name, rank(bug / "project", path, buggy, fixed, locations, limit)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="JSON written by a bench run")
    parser.add_argument("--limit", type=int, default=1500, help="candidates to look through")
    args = parser.parse_args(argv)
    for run in args.runs:
        entries = json.loads(run.read_text())
        if not any(e.get("locations") for e in entries):
            print(f"{run}: no suspicious lines saved (a bench run before they were)")
            continue
        found = _real(entries, args.limit) if "bug" in entries[0] else _own(entries, args.limit)
        ranks = dict(found)
        for name, n in ranks.items():
            print(f"{name:<36} {n if n else '-':>5}")
        hits = sorted(n for n in ranks.values() if n)
        within = ", ".join(f"<={k}: {sum(n <= k for n in hits)}" for k in (10, 50, 100, 300))
        median = statistics.median(hits) if hits else 0
        print(f"{run}: exact fix among the candidates of {len(hits)}/{len(ranks)} bugs; {within};")
        print(f"  median position {median:g}, sum of log2 positions {_cost(ranks, args.limit):.1f}")
    return 0


def _cost(ranks: dict[str, int], limit: int) -> float:
    """One number to compare orders by: log2 of each position, a miss counted as the limit."""
    return sum(log2(n or limit) for n in ranks.values())


if __name__ == "__main__":
    raise SystemExit(main())
