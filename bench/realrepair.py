"""Repair of one-line bugs planted in real PyPI libraries, judged by their own test suites.

Each library of bench/realbugs/*.toml is set up once as its developer's checkout in a cache
directory (pinned sdist, git repo, venv with the library ``pip install -e .``, its test
dependencies and aiap editable from this repository). Then each bug is planted, the suite must
fail, ``pytest --aiap-fix`` (offline engine) runs in the checkout with a wall-clock kill, and
the file is restored. plausible = aiap found a validated patch; exact = the chosen patch turns
the file back into the original (AST-equal); crash = a traceback or a broken run. sec = aiap's
repair as it reports it (the budget counts from the same start: the overrun is measured on it);
wall = the whole command, the user's own failing test run included.

    python bench/realrepair.py [--only cachetools] [--budget 60] [--setup-only] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from exact import same_ast
from pydantic import BaseModel
from realbugs.corpus import (
    Bug,
    Checkout,
    Library,
    count,
    default_cache,
    load_corpus,
    plant,
    run_suite,
    setup,
)

from aiap.models import Location

AIAP_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUDGET = 120.0  # aiap's own default, used when --budget is not given
SUMMARY = re.compile(r"^(=+ )?(\d+ (failed|passed|errors?|skipped|xfailed|xpassed)|no tests ran)")


class Outcome(BaseModel):
    bug: str
    kind: str
    effect: str
    failing: int  # tests failing with the bug planted (-1: the suite hung past its timeout)
    plausible: bool = False
    exact: bool = False
    seconds: float = 0.0  # aiap's repair, as last-run.json says (the wall time when killed)
    wall: float = 0.0  # the whole `pytest --aiap-fix`, the user's own test run included
    candidates: int = 0
    status: str = ""  # last-run.json's status, or "killed" / "no-state"
    patch: str = ""  # the chosen patch's description
    crash: str = ""  # first error line when aiap crashed
    message: str = ""  # aiap's first message to the user, for the diagnosis
    phases: dict[str, float] = {}  # last-run.json's seconds per stage (reproduce, search, ...)
    locations: list[Location] = []  # the suspicious lines, for bench/fixrank.py

    @property
    def rate(self) -> float | None:
        """Candidates checked per second of search, None when no search ran."""
        search = self.phases.get("search", 0.0)
        return self.candidates / search if search > 0 and self.candidates else None


def _apply(text: str, edits: list[dict[str, object]]) -> str:
    """The file after the patch's edits (lines start..end, 1-based, inclusive, replaced)."""
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: int(str(e["start_line"])), reverse=True):
        start, end = int(str(edit["start_line"])), int(str(edit["end_line"]))
        lines[start - 1 : end] = str(edit["new_text"]).splitlines(keepends=True)
    return "".join(lines)


def _exact(patch: dict[str, object], bug: Bug, buggy: str, pristine: str) -> bool:
    edits = patch.get("edits") or []
    assert isinstance(edits, list)
    if not edits or any(e["path"] != bug.file for e in edits):
        return False
    return same_ast(_apply(buggy, edits), pristine)


def _crash(returncode: int, output: str, killed: bool) -> str:
    """The first error line of a broken aiap run, '' for a normal one."""
    aiap = output.split(" aiap ", 1)[1] if re.search(r"=+ aiap =+", output) else output
    lines = aiap.splitlines()
    if "Traceback (most recent call last)" in aiap or "INTERNALERROR" in aiap:
        bare = [ln.removeprefix("INTERNALERROR>").lstrip(" |+-") for ln in lines]
        found = [ln for ln in bare if re.match(r"\w[\w.]*(Error|Exception|Warning)\w*: ", ln)]
        return (found or ["traceback"])[0][:200]
    failed = [ln for ln in lines if re.match(r"aiap: engine \w+ failed:", ln)]
    if failed:  # an engine's exception, caught and reported by the core
        return failed[0][:200]
    if killed:  # no summary to expect; counted apart
        return ""
    if returncode not in (0, 1):
        return f"pytest exit status {returncode}: {(lines or [''])[-1][:160]}"
    if not any(SUMMARY.match(ln.strip()) for ln in output.splitlines()[-5:]):
        return "pytest summary line missing"
    return ""


def _run_aiap(python: Path, cwd: Path, args: list[str], limit: float) -> tuple[int, str, bool]:
    """Run pytest --aiap-fix in its own process group; kill the group after ``limit`` s."""
    cmd = [str(python), "-m", "pytest", "--aiap-fix", "-q", "-p", "no:cacheprovider", *args]
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    killed = False
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        killed = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc.returncode, out, killed


def _clean(root: Path) -> None:
    shutil.rmtree(root / ".aiap", ignore_errors=True)


def run_bug(lib: Library, co: Checkout, bug: Bug, budget: float | None, logs: Path) -> Outcome:
    outcome = Outcome(bug=bug.id, kind=bug.kind, effect=bug.effect, failing=0)
    _clean(co.root)
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=co.root, capture_output=True, text=True
    ).stdout
    if dirty.strip():
        raise RuntimeError(f"{co.root} is not clean:\n{dirty}")
    target = co.root / bug.file
    pristine = plant(co.root, bug)
    try:
        status, out = run_suite(co.python, co.root, lib.pytest_args, max(120, 4 * co.suite_seconds))
        if status == 0:
            outcome.status = "bug-not-detected"
            return outcome
        outcome.failing = -1 if status == -9 else count(out, "failed") + count(out, "error")
        buggy = target.read_text()
        args = ["--aiap-engine=offline", *lib.pytest_args]
        if budget is not None:
            args.append(f"--aiap-budget={budget:g}")
        limit = 2 * (budget or DEFAULT_BUDGET) + 60
        start = time.perf_counter()
        code, output, killed = _run_aiap(co.python, co.root, args, limit)
        outcome.wall = outcome.seconds = round(time.perf_counter() - start, 1)
        (logs / f"{bug.id}.txt").write_text(output)
        outcome.crash = _crash(code, output, killed)
        _judge(outcome, co.root / ".aiap" / "last-run.json", bug, buggy, pristine.decode())
        if killed:
            outcome.status = "killed"
    finally:
        target.write_bytes(pristine)
        _clean(co.root)
    return outcome


def _judge(outcome: Outcome, state_file: Path, bug: Bug, buggy: str, pristine: str) -> None:
    if not state_file.exists():
        outcome.status = "no-state"
        return
    state = json.loads(state_file.read_text())
    outcome.status = state.get("status", "")
    outcome.candidates = state.get("candidates_tried", 0)
    outcome.phases = state.get("phases") or {}
    outcome.seconds = round(state.get("seconds") or outcome.wall, 1)
    outcome.message = next(iter(state.get("messages") or []), "")[:200]
    outcome.locations = [Location.model_validate(x) for x in state.get("locations") or []]
    patches = state.get("patches") or []
    if patches:
        outcome.plausible = True
        outcome.patch = patches[0].get("description", "")[:160]
        outcome.exact = _exact(patches[0], bug, buggy, pristine)


def _row(o: Outcome) -> str:
    yes = {True: "yes", False: "no"}
    note = o.crash or (o.patch if o.plausible else o.message) or o.status
    return (
        f"{o.bug:<16} {o.kind:<12} {o.effect:<5} {o.failing:>4} {yes[o.plausible]:>5} "
        f"{yes[o.exact]:>5} {o.seconds:6.1f} {o.wall:6.1f} {o.candidates:5d} {o.status:<14} "
        f"{note[:90]}"
    )


def _totals(outcomes: list[Outcome], budget: float) -> list[str]:
    n = len(outcomes)
    plausible = sum(o.plausible for o in outcomes)
    exact = sum(o.exact for o in outcomes)
    # A bug whose suite hangs past the bench's own limit (failing -1) keeps the user's run going
    # longer than the kill: aiap's time is not known, so it is left out of the seconds.
    timed = [o for o in outcomes if o.failing != -1] or outcomes
    seconds = [o.seconds for o in timed]
    overrun = max((s - budget) / budget for s in seconds)
    crashes = [o for o in outcomes if o.crash]
    killed = [o.bug for o in outcomes if o.status == "killed"]
    rates = [r for r in (o.rate for o in outcomes) if r is not None]
    stages = sorted({k for o in outcomes for k in o.phases})
    spent = ", ".join(
        f"{k} {statistics.median([o.phases.get(k, 0.0) for o in outcomes]):.1f}" for k in stages
    )
    return [
        f"plausible {plausible}/{n} ({100 * plausible / n:.0f}%)",
        f"exact     {exact}/{n} ({100 * exact / n:.0f}%)",
        f"seconds   median {statistics.median(seconds):.1f}, max {max(seconds):.1f} (aiap's "
        f"repair; with the user's own test run: median "
        f"{statistics.median([o.wall for o in timed]):.1f}; {len(outcomes) - len(timed)} whose "
        f"own suite hangs left out)",
        f"max budget overrun {100 * overrun:+.0f}% of the {budget:g} s budget",
        f"killed at 2 x budget + 60 s: {len(killed)} {' '.join(killed)}",
        f"candidates/s of search: median {statistics.median(rates) if rates else 0:.2f}",
        f"seconds per stage, median: {spent}",
        f"crashes   {len(crashes)}" + "".join(f"\n  {o.bug}: {o.crash}" for o in crashes),
    ]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="", help="bugs whose id or library contains this")
    parser.add_argument("--budget", type=float, help="aiap's search budget (default: its own)")
    parser.add_argument("--setup-only", action="store_true", help="set the libraries up, stop")
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    parser.add_argument("--cache", type=Path, default=default_cache(), help="$AIAP_BENCH_CACHE")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    signal.signal(signal.SIGTERM, _interrupt)  # so the planted file is restored on kill too
    logs = args.cache / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    header = f"{'bug':<16} {'kind':<12} {'effect':<5} fail plaus exact    sec   wall  cand status"
    for lib in load_corpus():
        bugs = [b for b in lib.bugs if args.only in b.id or args.only in lib.name]
        if not bugs:
            continue
        co = setup(lib, args.cache, AIAP_ROOT)
        print(f"# {lib.key}: {co.tests_passed} tests pass in {co.suite_seconds} s", flush=True)
        if args.setup_only:
            continue
        if not outcomes:
            print(header)
        for bug in bugs:
            outcomes.append(run_bug(lib, co, bug, args.budget, logs))
            print(_row(outcomes[-1]), flush=True)
            if args.json:  # after each bug: a run stopped early keeps what it measured
                args.json.write_text(json.dumps([o.model_dump() for o in outcomes], indent=1))
    if outcomes:
        print("\n" + "\n".join(_totals(outcomes, args.budget or DEFAULT_BUDGET)))
    return 0 if outcomes or args.setup_only else 1


if __name__ == "__main__":
    raise SystemExit(main())
