"""The repair pipeline: reproduce -> localize -> propose -> validate -> rank.

Everything runs in a workspace copy; the user's tree is only read. The result is a RunState the
doors (pytest plugin, hooks, CLI) turn into output and, on an explicit apply, file changes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path

import libcst
import pluggy
from pydantic import BaseModel

from aiap.config import AiapConfig
from aiap.edits import apply_edits, change_size, unified_diff
from aiap.engines import engine_deadlines, plugin_manager, propose, select_engines
from aiap.hookspecs import RepairRequest
from aiap.interpreter import bridged_env
from aiap.models import (
    CodePatch,
    Failure,
    Frame,
    Location,
    RunResult,
    RunState,
    TouchedFile,
    Verdict,
    sha256_bytes,
    stopped_by_timeout,
)
from aiap.repair.combine import pairs
from aiap.repair.lanes import Lane, ValidatorPool, lane_count, open_lanes
from aiap.repair.localize import rank_locations, read_line_coverage
from aiap.repair.validate import Invocation, Validator
from aiap.runner import run_pytest
from aiap.testfiles import is_test_file
from aiap.workspace import Workspace

Progress = Callable[[str], None]

# After the first plausible patch, candidates at the same spot still get a look (a smaller edit
# there is the likelier fix), among the next few hundred the engines offer.
MAX_SAME_LINE_AFTER_FIRST = 40
MAX_SCANNED_AFTER_FIRST = 400
# ... and the next few candidates anywhere that are no larger: a likelier operator at a less
# suspicious line can beat the first find.
MAX_ELSEWHERE_AFTER_FIRST = 20
MAX_LOCATIONS = 60


class RepairJob(BaseModel):
    """What a door asks the core to repair."""

    root: Path  # pytest's rootdir in the user's tree
    invocation_dir: Path
    options: list[str]
    positional: list[str]
    failing: list[str]  # node ids that failed in the user's run
    config: AiapConfig
    user_seconds: float = 0.0  # how long the user's own run took
    sys_path: list[str] = []  # the user's sys.path: entries inside root are mapped to the copy
    python: str | None = None  # interpreter of the test runs (the project's); None: aiap's own


@dataclass
class Engines:
    """The engines to ask, in order, and when to stop asking."""

    pm: pluggy.PluginManager
    names: list[str]
    deadline: float
    until: dict[str, float] = field(default_factory=dict)  # per-engine limits inside the budget


class FailureGroup(BaseModel):
    failures: list[Failure]


def _child_env(job: RepairJob, ws: Workspace) -> dict[str, str]:
    """Environment of workspace runs: imports resolve to the copy, never to the user's tree."""
    entries: list[str] = []
    for entry in [*job.sys_path, *os.environ.get("PYTHONPATH", "").split(os.pathsep)]:
        if not entry:
            continue
        mapped = ws.map_path(entry)
        if mapped is not None and str(mapped) not in entries:
            entries.append(str(mapped))
    for extra in (ws.root / "src", ws.root):
        if extra.is_dir() and str(extra) not in entries:
            entries.append(str(extra))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(entries)
    addopts = env.get("PYTEST_ADDOPTS", "")
    if "--aiap" in addopts:
        env["PYTEST_ADDOPTS"] = " ".join(a for a in addopts.split() if not a.startswith("--aiap"))
    env["COVERAGE_CORE"] = "ctrace"  # sys.monitoring records no dynamic contexts
    env["AIAP_WORKSPACE_ROOT"] = str(ws.root)
    env["AIAP_ORIGINAL_ROOT"] = str(ws.source)
    return bridged_env(env, job.python) if job.python else env


def _invocation(job: RepairJob, ws: Workspace) -> Invocation:
    """The user's invocation, mapped into one workspace copy."""
    root = ws.map_path(job.root) or ws.root
    return Invocation(
        rootdir=root,
        invocation_dir=ws.map_path(job.invocation_dir) or root,
        options=job.options,
        positional=job.positional,
        env=_child_env(job, ws),
        memory_mb=job.config.memory_mb,
        python=job.python,
    )


def _relative(path: str, ws: Workspace) -> str | None:
    try:
        return Path(path).resolve().relative_to(ws.root).as_posix()
    except ValueError:
        return None  # outside the project: the standard library, site-packages


class ProbeReport(BaseModel):
    failures: dict[str, Failure] = {}
    leaked: list[str] = []  # project files imported from the user's tree instead of the copy
    preload: list[str] = []  # third-party modules the suite imports


def _read_probe(path: Path, ws: Workspace) -> ProbeReport:
    report = ProbeReport()
    failures, leaked = report.failures, report.leaked
    if not path.exists():
        return report
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "preload" in record:
            report.preload = record["preload"]
            continue
        if "leaked_imports" in record:
            for file in record["leaked_imports"]:
                twin = ws.map_path(file)
                if twin is not None and twin.exists():
                    leaked.append(Path(file).relative_to(ws.source).as_posix())
            continue
        failures[record["nodeid"]] = Failure(
            nodeid=record["nodeid"],
            message=record["message"],
            kind=record.get("kind", ""),
            frames=[
                Frame(path=rel, line=f["line"], function=f["function"])
                for f in record["frames"]
                if (rel := _relative(f["path"], ws)) is not None
            ],
        )
    return report


def group_failures(failures: Sequence[Failure], test_files: set[str]) -> list[FailureGroup]:
    """One group per innermost code frame: failures that surface in the same function."""
    groups: dict[str, list[Failure]] = {}
    for failure in failures:
        code = [f for f in failure.frames if not is_test_file(f.path, test_files)]
        key = f"{code[-1].path}::{code[-1].function}" if code else ""
        groups.setdefault(key, []).append(failure)
    return [FailureGroup(failures=fs) for _, fs in sorted(groups.items())]


def _complete(patch: CodePatch, originals: dict[str, bytes]) -> CodePatch | None:
    """Fill diff, touched files and size; None when the patch cannot apply."""
    diffs, files, size = [], [], 0
    for rel in sorted({e.path for e in patch.edits}):
        if rel not in originals:
            return None
        old = originals[rel].decode("utf-8")
        try:
            new = apply_edits(old, [e for e in patch.edits if e.path == rel])
        except ValueError:
            return None
        if new == old:
            continue
        diffs.append(unified_diff(rel, old, new))
        files.append(
            TouchedFile(
                path=rel,
                original_sha256=sha256_bytes(originals[rel]),
                patched_sha256=sha256_bytes(new.encode("utf-8")),
            )
        )
        size += change_size(old, new)
    size = patch.size or size  # the engine's measure wins (a verbatim repeat dropped: 1)
    if not files:
        return None
    return patch.model_copy(update={"diff": "".join(diffs), "files": files, "size": size})


def _load_sources(
    ws: Workspace, locations: Sequence[Location], test_files: set[str], state: RunState
) -> tuple[dict[str, str], dict[str, bytes]]:
    """Texts of the suspicious files that can be edited; a line in state for each that cannot."""
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
            state.messages.append(f"{path}: not UTF-8; aiap leaves it alone")
            continue
        try:
            libcst.parse_module(text)
        except libcst.ParserSyntaxError as e:
            state.messages.append(
                f"{path}: cannot be parsed (line {e.raw_line}: {e.message}); aiap leaves it alone"
            )
            continue
        sources[path] = text
        originals[path] = data
    return sources, originals


class _Search:
    """One search: candidates offered in the engines' order, checked on every lane, verdicts
    read back in that order."""

    def __init__(
        self, pool: ValidatorPool, engines: Engines, state: RunState, progress: Progress
    ) -> None:
        self.pool, self.engines, self.state, self.progress = pool, engines, state, progress
        self.seen: set[str] = set()
        self.inflight: deque[tuple[CodePatch, Future[Verdict]]] = deque()
        self.plausible: list[tuple[CodePatch, bool]] = []
        self.partial: list[CodePatch] = []  # made some, not all, of the failing tests pass
        self.tried: list[CodePatch] = []
        self.out_of_time = False
        self.same_line_left = MAX_SAME_LINE_AFTER_FIRST
        self.scanned_left = MAX_SCANNED_AFTER_FIRST
        self.elsewhere_left = MAX_ELSEWHERE_AFTER_FIRST
        self.best_size = 0
        self.first_line: tuple[str, int] | None = None

    def _admit(self, patch: CodePatch) -> bool | None:
        """True to check it, False to pass it by, None to stop asking this engine."""
        if self.first_line is None:
            return True
        self.scanned_left -= 1
        if self.scanned_left <= 0 or (self.same_line_left <= 0 and self.elsewhere_left <= 0):
            return None
        if (patch.edits[0].path, patch.edits[0].start_line) == self.first_line:
            if self.same_line_left > 0:
                self.same_line_left -= 1
                return True
        if self.elsewhere_left > 0 and patch.size <= self.best_size:
            self.elsewhere_left -= 1
            return True
        return False

    def offer(self, patch: CodePatch) -> bool:
        """Check the patch on a free lane; False when the search must stop asking."""
        if time.monotonic() > self.engines.deadline:
            self.state.messages.append("search stopped: budget used up")
            self.out_of_time = True
            return False
        if patch.key() in self.seen:
            seen_before = Verdict(plausible=False, reason="the same change was already tried")
            self.engines.pm.hook.aiap_patch_rejected(patch=patch, verdict=seen_before)
            return True
        admitted = self._admit(patch)
        if admitted is None:
            return False
        if admitted:
            self.seen.add(patch.key())
            self.state.candidates_tried += 1
            self.inflight.append((patch, self.pool.submit(patch)))
            while len(self.inflight) >= self.pool.size:
                self._settle()
        return True

    def drain(self) -> None:
        while self.inflight:
            self._settle()

    def _settle(self) -> None:
        patch, future = self.inflight.popleft()
        verdict = _wait(future)
        self.tried.append(patch)
        self.state.candidates_timed_out += verdict.timed_out
        if verdict.plausible:
            self.progress(f"plausible: {patch.description}")
            self.plausible.append((patch, verdict.whole_suite))
            self.first_line = self.first_line or (patch.edits[0].path, patch.edits[0].start_line)
            self.best_size = min(p.size for p, _ in self.plausible)
        else:
            if verdict.targets_fixed:
                self.partial.append(patch)
            self.engines.pm.hook.aiap_patch_rejected(patch=patch, verdict=verdict)


def _wait(future: Future[Verdict]) -> Verdict:
    # Short waits: the main thread looks at pending signals (Ctrl-C) between them.
    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:  # not the builtin before Python 3.11
            continue


def _search(
    request: RepairRequest,
    originals: dict[str, bytes],
    pool: ValidatorPool,
    engines: Engines,
    state: RunState,
    progress: Progress,
) -> list[CodePatch]:
    """Plausible patches, best first; the first of them has passed the whole suite."""
    search = _Search(pool, engines, state, progress)
    for engine in engines.names:
        # An engine that learns from rejections hears each verdict before its next candidate.
        feedback = hasattr(engines.pm.get_plugin(engine), "aiap_patch_rejected")
        for raw in propose(engines.pm, engine, request, engines.until.get(engine)):
            if any(is_test_file(e.path, request.test_files) for e in raw.edits):
                continue  # never edit a test
            patch = _complete(raw, originals)
            if patch is not None and not search.offer(patch):
                break
            if feedback:
                search.drain()
        search.drain()
        if search.plausible or search.out_of_time:
            break
    if not search.plausible and not search.out_of_time:
        # No single edit works and budget remains: two edits at different places.
        for pair in pairs(search.partial, search.tried):
            patch = _complete(pair, originals)
            if patch is not None and not search.offer(patch):
                break
        search.drain()
    # Smallest first; at equal size the more suspicious line (evidence about this bug) before
    # the likelier operator family (evidence about bugs in general).
    plausible = sorted(search.plausible, key=lambda pv: (pv[0].size, -pv[0].score, -pv[0].prior))
    # The whole suite once, for the best patch (the next one only if it breaks something).
    for index, (patch, whole) in enumerate(plausible):
        if whole or pool.confirm(patch).plausible:
            rest = [p for i, (p, _) in enumerate(plausible) if i != index]
            return [patch, *rest]
    return []


def repair(job: RepairJob, progress: Progress | None = None) -> RunState:
    """Search a validated patch for each group of failures. Never writes the user's tree."""
    say = progress or (lambda _: None)
    start = time.monotonic()
    state = RunState()
    pm = plugin_manager(job.config, job.root)
    names = select_engines(pm, job.config)
    engines = Engines(
        pm=pm,
        names=names,
        deadline=start + job.config.budget,
        until=engine_deadlines(names, start, job.config.budget),
    )
    ws = Workspace.create(job.root)
    try:
        if not ws.used_git:
            state.messages.append("not a git repository: copied every file but caches and venvs")
        _repair_in(job, ws, engines, state, say)
    finally:
        pm.hook.aiap_search_finished(state=state)
        ws.cleanup()
        state.seconds = round(time.monotonic() - start, 2)
    return state


def _repair_in(
    job: RepairJob,
    ws: Workspace,
    engines: Engines,
    state: RunState,
    say: Progress,
) -> None:
    inv = _invocation(job, ws)
    say(f"reproducing {len(job.failing)} failing test(s) in an isolated copy")
    with tempfile.TemporaryDirectory(prefix="aiap-probe-") as tmp:
        frames_file = Path(tmp) / "frames.jsonl"
        coverage_file = Path(tmp) / "coverage"
        env = {
            **inv.env,
            "AIAP_FRAMES_OUT": str(frames_file),
            "AIAP_COVERAGE_DATA": str(coverage_file),
        }
        # Not the per-candidate limit: this run has coverage on and sets the pace for the rest.
        timeout = max(job.config.timeout or 0.0, 60.0, 5 * job.user_seconds + 30)
        baseline = run_pytest(
            inv.invocation_dir,
            [*inv.options, *inv.positional, "-p", "aiap.repair.probe"],
            env=env,
            timeout=timeout,
            memory_mb=inv.memory_mb,
            python=inv.python,
        )
        if _baseline_failed(baseline, timeout, state):
            return
        probe = _read_probe(frames_file, ws)
        failures_by_id, leaked = probe.failures, probe.leaked
        if leaked:
            state.status = "error"
            state.messages.append(
                "imports resolve to your tree, not aiap's isolated copy "
                f"({', '.join(leaked[:3])}); aiap stops rather than test the wrong code"
            )
            return
        coverage = read_line_coverage(coverage_file, ws.root) if coverage_file.exists() else {}
    state.covered_by = covered_by(coverage)
    failed_now = baseline.failed()
    targets = [n for n in job.failing if n in failed_now]
    if not targets:
        state.status = "not-reproduced"
        state.messages.append(
            "the failing tests pass in an isolated copy of the project; "
            "they may depend on files outside it, on test order or on time"
        )
        return
    failures = [
        failures_by_id.get(n) or Failure(nodeid=n, message=_message(baseline, n)) for n in targets
    ]
    state.failures = failures
    failures = _repairable(failures, state)
    if not failures:
        state.status = "error"
        return
    test_files = {r.nodeid.split("::")[0] for r in baseline.results}
    count = lane_count(job.config.workers)
    with open_lanes(ws, lambda lane_ws: _invocation(job, lane_ws), probe.preload, count) as lanes:
        _repair_groups(lanes, baseline, failures, coverage, test_files, engines, state, say, job)


def _repair_groups(
    lanes: list[Lane],
    baseline: RunResult,
    failures: list[Failure],
    coverage: dict[str, dict[int, set[str]]],
    test_files: set[str],
    engines: Engines,
    state: RunState,
    say: Progress,
    job: RepairJob,
) -> None:
    any_fixed = False
    ws = lanes[0].workspace
    for group in group_failures(failures, test_files):
        ids = [f.nodeid for f in group.failures]
        locations = rank_locations(group.failures, coverage, baseline.passed(), test_files)
        locations = locations[:MAX_LOCATIONS]
        state.locations.extend(locations[:10])
        sources, originals = _load_sources(ws, locations, test_files, state)
        request = RepairRequest(
            root=str(ws.root),
            failures=group.failures,
            locations=[loc for loc in locations if loc.path in sources],
            sources=sources,
            test_files=sorted(test_files),
        )
        pool = ValidatorPool(
            [
                Validator(
                    lane.workspace,
                    lane.invocation,
                    baseline,
                    ids,
                    timeout=job.config.timeout,
                    run=lane.run,
                    coverage=coverage,
                )
                for lane in lanes
            ]
        )
        try:
            pool.calibrate()
            say(
                f"searching a patch for {len(ids)} failing test(s), {len(locations)} "
                f"suspicious lines, on {pool.size} lane(s)"
            )
            found = _search(request, originals, pool, engines, state, say)
        finally:
            pool.close()
        state.whole_suite_runs += pool.whole_suite_runs
        if found:
            state.patches.append(found[0])
            others = len(found) - 1
            if others:
                state.messages.append(f"{found[0].description}: {others} other plausible patch(es)")
            any_fixed = True
    state.status = "fixed" if any_fixed else "no-patch"


_SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}


def covered_by(coverage: dict[str, dict[int, set[str]]]) -> dict[str, list[str]]:
    """Source file -> the test files whose tests ran at least one of its lines."""
    result: dict[str, list[str]] = {}
    for path, lines in coverage.items():
        if is_test_file(path):
            continue
        tests = {ctx.split("::")[0] for ctxs in lines.values() for ctx in ctxs}
        if tests:
            result[path] = sorted(tests)
    return result


def _repairable(failures: list[Failure], state: RunState) -> list[Failure]:
    """Drop failures aiap cannot repair, each with a line saying why."""
    kept = []
    for failure in failures:
        if failure.kind in _SYNTAX_ERRORS:
            state.messages.append(
                f"{failure.nodeid}: {failure.message}; "
                "aiap does not repair syntax errors: fix it first"
            )
            continue
        if stopped_by_timeout(failure.message):
            state.messages.append(
                f"{failure.nodeid}: hung (stopped by a timeout); aiap searches a fix that ends "
                "it (a hang in the test itself is yours to fix)"
            )
        kept.append(failure)
    return kept


def _message(result: RunResult, nodeid: str) -> str:
    found = result.by_nodeid().get(nodeid)
    return found.message if found else ""


def _baseline_failed(baseline: RunResult, timeout: float, state: RunState) -> bool:
    if baseline.timed_out:
        state.status = "error"
        state.messages.append(
            f"the test suite did not finish within {timeout:.0f} s in the isolated copy "
            "(a hanging test?); set --aiap-timeout or fix the hang first"
        )
        return True
    if baseline.exit_code not in (0, 1):
        state.status = "error"
        tail = [line for line in baseline.output_tail.splitlines() if line.strip()][-3:]
        state.messages.append(
            f"pytest exited with status {baseline.exit_code} in the isolated copy: "
            + " | ".join(tail)
        )
        return True
    return False
