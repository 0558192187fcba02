"""Repair quality and speed on aiap's own bug corpus (bench/bugs/), as a user would run it.

For each bug, a fresh copy of its project gets ``pytest --aiap-fix --aiap-apply``; then:
plausible = the whole suite passes after the patch; exact = every file the reference fix
changes is AST-equal to the reference. Prints one row per bug and the totals.

    python bench/repair.py [--budget 60] [--only NAME] [--engine offline] [--sandboxes none,bwrap]

``--sandboxes`` runs each bug once per sandbox setting, one after the other, and prints each
setting's totals and the ratio of their median times (the first setting's outcomes go to
``--json``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exact import same_ast
from pydantic import BaseModel

from aiap.models import Location

BUGS = Path(__file__).resolve().parent / "bugs"


class Outcome(BaseModel):
    name: str
    category: str
    plausible: bool
    exact: bool
    seconds: float
    candidates: int
    operator: str = ""
    locations: list[Location] = []  # the suspicious lines, for bench/fixrank.py


def _pytest(cwd: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_bug(bug: Path, budget: float, engine: str, sandbox: str = "") -> Outcome:
    meta = json.loads((bug / "bug.json").read_text())
    with tempfile.TemporaryDirectory(prefix="aiap-bench-") as tmp:
        project = Path(tmp) / bug.name
        shutil.copytree(bug / "project", project)
        start = time.perf_counter()
        fix = _pytest(
            project,
            "--aiap-apply",
            f"--aiap-engine={engine}",
            f"--aiap-budget={budget}",
            *([f"--aiap-sandbox={sandbox}"] if sandbox else []),
            timeout=budget * 3 + 120,
        )
        seconds = time.perf_counter() - start
        tried = re.search(r"aiap: (\d+) candidate\(s\) tried", fix.stdout)
        operator = re.search(r"aiap: patch 1: .*\(([\w+]+), ([\w+]+)\)", fix.stdout)
        state = project / ".aiap" / "last-run.json"
        locations = json.loads(state.read_text()).get("locations") or [] if state.exists() else []
        applied = "aiap: applied to" in fix.stdout
        plausible = applied and _pytest(project, timeout=300).returncode == 0
        exact = applied and all(
            same_ast((project / rel).read_text(), (bug / "fix" / rel).read_text())
            for rel in meta["files"]
        )
    return Outcome(
        name=bug.name,
        category=meta.get("category", ""),
        plausible=plausible,
        exact=exact,
        seconds=round(seconds, 2),
        candidates=int(tried.group(1)) if tried else 0,
        operator=operator.group(2) if operator else "",
        locations=[Location.model_validate(x) for x in locations],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--engine", default="offline")
    parser.add_argument("--only", default="", help="run the bugs whose name contains this")
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    parser.add_argument(
        "--sandboxes", default="", help="comma-separated sandbox settings to run each bug under"
    )
    args = parser.parse_args(argv)
    bugs = sorted(p for p in BUGS.iterdir() if (p / "bug.json").exists() and args.only in p.name)
    sandboxes = args.sandboxes.split(",") if args.sandboxes else [""]
    runs: dict[str, list[Outcome]] = {s: [] for s in sandboxes}
    print(
        f"{'bug':<34} {'category':<22} {'plaus':>5} {'exact':>5} {'sec':>6} {'cand':>5}  operator"
    )
    for bug in bugs:
        for sandbox in sandboxes:
            o = run_bug(bug, args.budget, args.engine, sandbox)
            runs[sandbox].append(o)
            name = f"{o.name} [{sandbox}]" if sandbox else o.name
            print(
                f"{name:<34} {o.category:<22} {'yes' if o.plausible else 'no':>5} "
                f"{'yes' if o.exact else 'no':>5} {o.seconds:6.1f} {o.candidates:5d}  {o.operator}",
                flush=True,
            )
    if not bugs:
        print("no bugs found")
        return 1
    for sandbox in sandboxes:
        if sandbox:
            print(f"\nsandbox = {sandbox}")
        _totals(runs[sandbox])
    if len(sandboxes) > 1:
        medians = [statistics.median(o.seconds for o in runs[s]) for s in sandboxes]
        for sandbox, median in zip(sandboxes[1:], medians[1:], strict=True):
            print(f"\nmedian seconds, {sandbox} / {sandboxes[0]}: {median / medians[0]:.2f}x")
    if args.json:
        outcomes = runs[sandboxes[0]]
        args.json.write_text(json.dumps([o.model_dump() for o in outcomes], indent=1))
    return 0


def _totals(outcomes: list[Outcome]) -> None:
    n = len(outcomes)
    plausible = sum(o.plausible for o in outcomes)
    exact = sum(o.exact for o in outcomes)
    seconds = [o.seconds for o in outcomes]
    print()
    print(f"plausible {plausible}/{n} ({100 * plausible / n:.0f}%)")
    print(f"exact     {exact}/{n} ({100 * exact / n:.0f}%)")
    print(f"seconds   median {statistics.median(seconds):.1f}, max {max(seconds):.1f}")
    print(f"candidates tried: median {statistics.median(o.candidates for o in outcomes):.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
