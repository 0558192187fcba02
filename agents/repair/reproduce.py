"""Reproduce the user's failures in a workspace copy, with the probe on, and keep what aiap can
repair; every reason to stop goes into the run's state as a line for the user."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from aiap import tempdirs
from aiap.interpreter import bridged_env
from aiap.models import Failure, RunResult, RunState, stopped_by_timeout
from aiap.repair.linecoverage import covered_by, read_line_coverage
from aiap.repair.probe_records import (
    COVERAGE_ENV,
    RECORDS_ENV,
    FailureRecord,
    LeakedImportsRecord,
    PreloadRecord,
    read_records,
)
from aiap.repair.shards import shard_args, split_suite
from aiap.repair.validate import Invocation
from aiap.runner import PytestRun
from aiap.workspace import Workspace


def child_env(ws: Workspace, sys_path: Sequence[str], python: str | None) -> dict[str, str]:
    """Environment of workspace runs: imports resolve to the copy, never to the user's tree."""
    entries: list[str] = []
    for entry in sys_path:  # the user's interpreter's: only what is inside the tree carries over
        mapped = ws.map_path(entry) if entry else None
        if mapped is not None and str(mapped) not in entries:
            entries.append(str(mapped))
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        # The user's own setting: outside the tree it holds for the copy as it is.
        mapped = ws.map_path(entry) if entry else None
        kept = str(mapped) if mapped is not None else entry
        if kept and kept not in entries:
            entries.append(kept)
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
    return bridged_env(env, python) if python else env


@dataclass
class Reproduction:
    """What the search starts from. A dataclass: the coverage map is large and already typed."""

    baseline: RunResult
    failures: list[Failure]  # the user's failing tests that fail in the copy and can be repaired
    coverage: dict[str, dict[int, set[str]]]
    preload: list[str]  # modules a warm worker imports once
    test_files: set[str]
    # The split the reproduction ran as, when it reproduced the failures split (the final
    # whole-suite run can then run split too); [] when it ran whole.
    shards: list[list[str]] = field(default_factory=list)


class ProbeReport(BaseModel):
    failures: dict[str, Failure] = {}
    leaked: list[str] = []  # project files imported from the user's tree instead of the copy
    preload: list[str] = []  # third-party modules the suite imports


def _relative(path: str, ws: Workspace) -> str | None:
    try:
        return Path(path).resolve().relative_to(ws.root).as_posix()
    except ValueError:
        return None  # outside the project: the standard library, site-packages


def _failure(record: FailureRecord, ws: Workspace) -> Failure:
    """The failure with only its frames inside the copy, their paths relative to it."""
    return Failure(
        nodeid=record.nodeid,
        message=record.message,
        kind=record.error,
        frames=[
            frame.model_copy(update={"path": rel})
            for frame in record.frames
            if (rel := _relative(frame.path, ws)) is not None
        ],
    )


def read_probe(path: Path, ws: Workspace) -> ProbeReport:
    report = ProbeReport()
    for record in read_records(path):
        if isinstance(record, PreloadRecord):
            report.preload = record.modules
        elif isinstance(record, LeakedImportsRecord):
            for file in record.files:
                twin = ws.map_path(file)
                if twin is not None and twin.exists():
                    report.leaked.append(Path(file).relative_to(ws.source).as_posix())
        else:
            report.failures[record.nodeid] = _failure(record, ws)
    return report


def reproduce(
    inv: Invocation,
    ws: Workspace,
    failing: Sequence[str],
    *,
    timeout_setting: float | None,
    user_seconds: float,
    state: RunState,
    durations: Mapping[str, float] | None = None,
    cores: int = 1,
) -> Reproduction | None:
    """Run the user's invocation once in the copy with the probe; None (and a status and message
    in ``state``) when there is nothing to search for.

    With the durations of the user's run and several cores, the suite runs split (by test file,
    a file too slow for one shard by node id), a shard per core; if the split runs do not
    reproduce the failures (tests that depend on others' order), once more as the user ran it.
    """
    # Not the per-candidate limit: this run has coverage on and sets the pace for the rest.
    timeout = max(timeout_setting or 0.0, 60.0, 5 * user_seconds + 30)
    # The failures are read from the probe's records, not from pytest's report: one line each
    # (a long traceback parses each frame's module, for each of maybe hundreds of failures).
    options = [*inv.options, "--tb=line"]
    with tempdirs.temporary("probe") as tmp:
        groups = split_suite(durations or {}, cores, user_seconds) if _splittable(inv) else []
        shards = [[*options, *shard_args(inv.rootdir, group)] for group in groups]
        probed = _probed(inv, ws, shards, Path(tmp, "split"), timeout) if shards else None
        if probed is None or not _reproduced(probed[0], failing):
            groups = []
            probed = _probed(inv, ws, [[*options, *inv.positional]], Path(tmp, "one"), timeout)
    baseline, probe, coverage = probed
    if _baseline_failed(baseline, timeout, state):
        return None
    if probe.leaked:
        state.status = "error"
        state.messages.append(
            "imports resolve to your tree, not aiap's isolated copy "
            f"({', '.join(probe.leaked[:3])}); aiap stops rather than test the wrong code"
        )
        return None
    state.covered_by = covered_by(coverage)
    failed_now = baseline.failed()
    targets = [n for n in failing if n in failed_now]
    if not targets:
        state.status = "not-reproduced"
        state.messages.append(
            "the failing tests pass in an isolated copy of the project; "
            "they may depend on files outside it, on test order or on time"
        )
        return None
    failures = [
        probe.failures.get(n) or Failure(nodeid=n, message=_message(baseline, n)) for n in targets
    ]
    state.failures = failures
    failures = _repairable(failures, state)
    if not failures:
        state.status = "error"
        return None
    return Reproduction(
        baseline=baseline,
        failures=failures,
        coverage=coverage,
        preload=probe.preload,
        test_files={r.nodeid.split("::")[0] for r in baseline.results},
        shards=groups,
    )


Probed = tuple[RunResult, ProbeReport, dict[str, dict[int, set[str]]]]


def _probed(
    inv: Invocation, ws: Workspace, arg_sets: list[list[str]], tmp: Path, timeout: float
) -> Probed:
    """The runs side by side, each with the probe; their results, records and coverage as one
    run's (a shard's own exit status when it ended in anything but passes and failures)."""
    tmp.mkdir()
    runs: list[PytestRun] = []
    try:
        for index, args in enumerate(arg_sets):
            env = {
                **inv.env,
                RECORDS_ENV: str(tmp / f"probe-{index}.jsonl"),
                COVERAGE_ENV: str(tmp / f"coverage-{index}"),
            }
            runs.append(
                PytestRun(
                    inv.invocation_dir,
                    [*args, "-p", "aiap.repair.probe"],
                    env=env,
                    memory_mb=inv.memory_mb,
                    python=inv.python,
                    sandbox=inv.sandbox,
                )
            )
        results = [run.result(timeout) for run in runs]
    except BaseException:  # Ctrl-C, or a run that could not start: none is left running
        for run in runs:
            run.close()
        raise
    report = ProbeReport()
    coverage: dict[str, dict[int, set[str]]] = {}
    for index in range(len(arg_sets)):
        part = read_probe(tmp / f"probe-{index}.jsonl", ws)
        report.failures.update(part.failures)
        report.leaked.extend(f for f in part.leaked if f not in report.leaked)
        report.preload.extend(m for m in part.preload if m not in report.preload)
        data = tmp / f"coverage-{index}"
        for path, lines in (read_line_coverage(data, ws.root) if data.exists() else {}).items():
            merged = coverage.setdefault(path, {})
            for line, ids in lines.items():
                merged.setdefault(line, set()).update(ids)
    return _one_run(results), report, coverage


def _one_run(results: list[RunResult]) -> RunResult:
    """Shards' results as one run's; its duration the sum, as one process would take."""
    if len(results) == 1:
        return results[0]
    odd = [r for r in results if r.timed_out or r.exit_code not in (0, 1)]
    return RunResult(
        results=[r for result in results for r in result.results],
        exit_code=odd[0].exit_code if odd else max(r.exit_code or 0 for r in results),
        timed_out=any(r.timed_out for r in results),
        duration=sum(r.duration for r in results),
        output_tail=(odd[0] if odd else results[-1]).output_tail,
    )


def _splittable(inv: Invocation) -> bool:
    """Not when node ids on the command line select less than their files, nor when the user's
    run is spread over processes already (pytest-xdist)."""
    if any("::" in arg for arg in inv.positional):
        return False
    return not any(
        arg.startswith("--numprocesses") or (arg.startswith("-n") and not arg.startswith("--"))
        for arg in inv.options
    )


def _reproduced(run: RunResult, failing: Sequence[str]) -> bool:
    return not run.timed_out and run.exit_code in (0, 1) and set(failing) <= run.failed()


_SYNTAX_ERRORS = {"SyntaxError", "IndentationError", "TabError"}


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
