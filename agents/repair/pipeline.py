"""The repair pipeline: reproduce -> localize -> propose -> validate -> rank.

Everything runs in a workspace copy; the user's tree is only read. The result is a RunState the
doors (pytest plugin, hooks, CLI) turn into output and, on an explicit apply, file changes.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from pydantic import BaseModel

from aiap import tempdirs
from aiap.config import AiapConfig
from aiap.engines import engine_deadlines, plugin_manager, select_engines
from aiap.hookspecs import RepairRequest
from aiap.models import CodePatch, Failure, Location, RunState
from aiap.processes import terminate_unwinds
from aiap.repair.lanes import Lane, ValidatorPool, lane_count, start_lanes
from aiap.repair.localize import FailureGroup, group_failures, rank_locations
from aiap.repair.reproduce import Reproduction, child_env, reproduce
from aiap.repair.search import Engines, Progress, find_patches
from aiap.repair.sources import editable_sources
from aiap.repair.validate import Invocation, Validator
from aiap.sandbox import Mode, resolve
from aiap.workspace import Workspace

# The suspicious lines searched, most suspicious first; the next window only when every
# candidate of the one before was tried and budget is left.
LOCATION_WINDOWS = (slice(0, 60), slice(60, 300))


class RepairJob(BaseModel):
    """What a door asks the core to repair."""

    root: Path  # pytest's rootdir in the user's tree
    invocation_dir: Path
    options: list[str]
    positional: list[str]
    failing: list[str]  # node ids that failed in the user's run
    config: AiapConfig
    user_seconds: float = 0.0  # how long the user's own run took
    durations: dict[str, float] = {}  # node id -> seconds, each test of the user's run
    sys_path: list[str] = []  # the user's sys.path: entries inside root are mapped to the copy
    python: str | None = None  # interpreter of the test runs (the project's); None: aiap's own


def repair(job: RepairJob, progress: Progress | None = None) -> RunState:
    """Search a validated patch for each group of failures. Never writes the user's tree.

    What earlier runs killed outright left in the temp directory goes first; a SIGTERM during
    the run removes this run's copies and workers before it ends the process."""
    tempdirs.sweep()
    with terminate_unwinds():
        return _repair(job, progress)


def _repair(job: RepairJob, progress: Progress | None) -> RunState:
    say = progress or (lambda _: None)
    start = time.monotonic()
    state = RunState()
    sandbox = resolve(job.config.sandbox)
    pm = plugin_manager(job.config, job.root)
    names = select_engines(pm, job.config)
    if sandbox == "none" and "llm" in names:
        state.messages.append(
            "sandbox = none: the model's patches run in a copy of the project with process and "
            "memory limits only, not in a sandbox"
        )
    engines = Engines(
        pm=pm,
        names=names,
        deadline=start + job.config.budget,
        until=engine_deadlines(names, start, job.config.budget),
        budget=job.config.budget,
    )
    ws = Workspace.create(job.root)
    state.messages.extend(ws.messages)
    try:
        if not ws.used_git:
            state.messages.append("not a git repository: copied every file but caches and venvs")
        _repair_in(job, ws, engines, state, say, sandbox)
    finally:
        if state.candidates_skipped:
            state.messages.append(
                f"{state.candidates_skipped} candidate(s) skipped, the search went on "
                f"(first: {state.first_skip_reason})"
            )
        pm.hook.aiap_search_finished(state=state)
        ws.cleanup()
        state.seconds = round(time.monotonic() - start, 2)
    return state


def _invocation(job: RepairJob, ws: Workspace, sandbox: Mode) -> Invocation:
    """The user's invocation, mapped into one workspace copy."""
    root = ws.map_path(job.root) or ws.root
    return Invocation(
        rootdir=root,
        invocation_dir=ws.map_path(job.invocation_dir) or root,
        options=job.options,
        positional=job.positional,
        env=child_env(ws, job.sys_path, job.python),
        memory_mb=job.config.memory_mb,
        python=job.python,
        sandbox=sandbox,
    )


def _repair_in(
    job: RepairJob,
    ws: Workspace,
    engines: Engines,
    state: RunState,
    say: Progress,
    sandbox: Mode,
) -> None:
    count = lane_count(job.config.workers)
    with ExitStack() as stack:
        # The lanes' workers warm up while the reproduction runs.
        invocation = partial(_invocation, job, sandbox=sandbox)
        starting = stack.enter_context(start_lanes(ws, invocation, count))
        say(f"reproducing {len(job.failing)} failing test(s) in an isolated copy")
        with state.timing("reproduce"):
            found = reproduce(
                invocation(ws),
                ws,
                job.failing,
                timeout_setting=job.config.timeout,
                user_seconds=job.user_seconds,
                state=state,
                durations=job.durations,
                cores=count,
            )
        if found is None:
            return
        if time.monotonic() + finish_seconds(found, engines.budget) > engines.deadline:
            state.status, state.ended = "no-patch", "budget"
            state.messages.append(
                f"no patch: the budget ended before the search began (aiap's run of the suite "
                f"with coverage took it); raise --aiap-budget above {engines.budget:.0f} s"
            )
            return
        groups = group_failures(found.failures, found.test_files)
        with state.timing("lanes"):
            lanes = starting.ready(found.preload)
        search = partial(
            _search,
            lanes=lanes,
            found=found,
            engines=engines,
            state=state,
            say=say,
            timeout=job.config.timeout,
        )
        # One bug often fails tests that surface in many functions: all of them together first
        # (the strongest localization), rejected on one test per group before the rest.
        fixed = search(found.failures, groups)
        if not fixed and len(groups) > 1 and state.ended == "exhausted":
            # No single edit fixed them all: independent bugs, searched group by group.
            fixed = any([search(group.failures, [group]) for group in groups])
    state.status = "fixed" if fixed else "no-patch"
    if not fixed:
        state.messages.append(_no_patch(state, engines))


def finish_seconds(found: Reproduction, budget: float) -> float:
    """What the final whole-suite run will take: the tests that passed in the reproduction run
    and its fixed cost (coverage made both slower: an upper bound), at most half the budget."""
    tests = sum(r.duration for r in found.baseline.results if r.outcome in ("passed", "skipped"))
    overhead = max(0.0, found.baseline.duration - sum(r.duration for r in found.baseline.results))
    return min(tests + overhead + 1.0, 0.5 * budget)


def _no_patch(state: RunState, engines: Engines) -> str:
    """Why the search ended without a patch, in one line."""
    if state.ended == "budget":
        return f"no patch: the budget ended after {state.candidates_tried} candidate(s)"
    left = max(0.0, engines.deadline - time.monotonic())
    return (
        f"no patch: every candidate the engines offered was tried "
        f"({state.candidates_tried}, {left:.0f} s of the budget left)"
    )


SAMPLE_SIZE = 6


def failure_sample(groups: list[FailureGroup], durations: dict[str, float]) -> list[str]:
    """One failing test per group, the fastest of each, fastest groups first: a small, diverse
    set most wrong candidates fail. Empty when the failing tests are few enough to run all."""
    if sum(len(g.failures) for g in groups) <= SAMPLE_SIZE:
        return []
    picks = [
        min((f.nodeid for f in g.failures), key=lambda n: (durations.get(n, 0.0), n))
        for g in groups
    ]
    picks.sort(key=lambda n: (durations.get(n, 0.0), n))
    if len(picks) < SAMPLE_SIZE // 2:
        # Few groups: add the fastest others, so one odd test does not stand for all.
        rest = sorted(
            (f.nodeid for g in groups for f in g.failures if f.nodeid not in picks),
            key=lambda n: (durations.get(n, 0.0), n),
        )
        picks.extend(rest[: SAMPLE_SIZE // 2 - len(picks)])
    return picks[:SAMPLE_SIZE]


def _request(
    workspace: Workspace,
    failures: list[Failure],
    locations: list[Location],
    found: Reproduction,
    state: RunState,
) -> tuple[RepairRequest, dict[str, bytes]]:
    """What the engines are asked, and the bytes of the files they may edit."""
    sources, originals = editable_sources(workspace, locations, found.test_files, state)
    request = RepairRequest(
        root=str(workspace.root),
        failures=failures,
        locations=[loc for loc in locations if loc.path in sources],
        sources=sources,
        test_files=sorted(found.test_files),
    )
    return request, originals


def _read_text(root: Path, path: str) -> str | None:
    try:
        return (root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _search(
    failures: list[Failure],
    groups: list[FailureGroup],
    *,
    lanes: list[Lane],
    found: Reproduction,
    engines: Engines,
    state: RunState,
    say: Progress,
    timeout: float | None,
) -> bool:
    """Search one patch for ``failures``; True when one is found (and added to ``state``)."""
    ids = [f.nodeid for f in failures]
    ranked = rank_locations(
        failures,
        found.coverage,
        found.baseline.passed(),
        found.test_files,
        source_of=partial(_read_text, lanes[0].workspace.root),
    )
    if not state.locations:
        state.locations.extend(ranked[:10])
    durations = {r.nodeid: r.duration for r in found.baseline.results}
    sample = failure_sample(groups, durations)
    pool = ValidatorPool(
        [
            Validator(
                lane.workspace,
                lane.invocation,
                found.baseline,
                ids,
                timeout=timeout,
                run=lane.run,
                coverage=found.coverage,
                sample=sample,
                deadline=engines.deadline + engines.slack,
            )
            for lane in lanes
        ],
        shards=found.shards,
    )
    try:
        with state.timing("calibrate"):
            pool.calibrate()
        say(
            f"searching a patch for {len(ids)} failing test(s), {len(ranked)} "
            f"suspicious lines, on {pool.size} lane(s)"
        )
        finish = finish_seconds(found, engines.budget)
        patches: list[CodePatch] = []
        for window in LOCATION_WINDOWS:
            locations = ranked[window]
            if not locations:
                break
            request, originals = _request(lanes[0].workspace, failures, locations, found, state)
            patches = find_patches(request, originals, pool, engines, state, say, finish)
            if patches or state.ended != "exhausted":
                break  # else budget is left: on to the less suspicious lines
    finally:
        pool.close()
    state.whole_suite_runs += pool.whole_suite_runs
    if not patches:
        return False
    state.patches.append(patches[0])
    if len(patches) > 1:
        state.messages.append(
            f"{patches[0].description}: {len(patches) - 1} other plausible patch(es)"
        )
    return True
