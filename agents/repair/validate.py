"""Validate a candidate in the workspace: plausible means the failing tests now pass and no test
that passed before fails.

The failing tests run first, alone, to reject most candidates fast (when many fail, a small
diverse sample of them first, and the rest only for a candidate that passes the sample); then
only the tests that ran the changed lines (from the per-test coverage map), stopping at the
first failure. The whole suite runs once, for the patch that is finally chosen (``confirm``).
Without a coverage map, or for a line no test ran inside a test (module level, run at import),
the whole suite runs. No run outlives the budget's deadline.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from aiap.models import CodePatch, Edit, RunResult, Verdict
from aiap.repair.linecoverage import LineCoverage
from aiap.repair.shards import shard_args
from aiap.runner import run_pytest
from aiap.sandbox import Mode
from aiap.workspace import Workspace

# How many candidates the calibrated timeout killed get a second, longer run: one per edited
# site (the mutants of one expression often all hang; the fix may be on the next line), few
# enough in all that endless loops stay cheap.
PATIENT_RETRIES = 6


class Invocation(BaseModel):
    """The user's pytest invocation, mapped into the workspace."""

    rootdir: Path  # workspace twin of pytest's rootdir: node ids are relative to it
    invocation_dir: Path  # workspace twin of where the user ran pytest
    options: list[str]  # the user's options, minus aiap's own and minus positional args
    positional: list[str]  # the user's file_or_dir arguments
    env: dict[str, str]
    memory_mb: int | None = None
    python: str | None = None  # the project's interpreter; None: aiap's own
    sandbox: Mode = "none"


class RunTests(Protocol):
    """One pytest run: a fresh subprocess (runner.run_pytest) or a fork of a warm worker."""

    def __call__(
        self,
        cwd: Path,
        args: Sequence[str],
        *,
        timeout: float,
        memory_mb: int | None,
        env: Mapping[str, str] | None = None,  # added to the run's environment
    ) -> RunResult: ...


class SubprocessRuns:
    def __init__(
        self, env: Mapping[str, str], python: str | None = None, sandbox: Mode = "none"
    ) -> None:
        self.env = env
        self.python = python
        self.sandbox = sandbox

    def __call__(
        self,
        cwd: Path,
        args: Sequence[str],
        *,
        timeout: float,
        memory_mb: int | None,
        env: Mapping[str, str] | None = None,
    ) -> RunResult:
        return run_pytest(
            cwd,
            args,
            env={**self.env, **(env or {})},
            timeout=timeout,
            memory_mb=memory_mb,
            python=self.python,
            sandbox=self.sandbox,
        )


def ran_by(edit: Edit, lines: Mapping[int, set[str]]) -> set[str] | None:
    """The tests that ran the code an edit changes; None when it ran outside any test (module
    level: at import, for every test).

    The replaced lines, or, for an insertion or lines coverage does not mark (a statement's
    continuation), their two neighbours. A neighbour run only at import (the ``def`` line above
    a body's first line) says nothing about the code of the body when the other one ran in tests.
    """
    ran = [lines[n] for n in range(edit.start_line, edit.end_line + 1) if n in lines]
    if not ran:
        ran = [lines[n] for n in (edit.start_line - 1, edit.end_line + 1) if n in lines]
        if any(ran):
            ran = [ids for ids in ran if ids]
    if any(not ids for ids in ran):
        return None
    return set().union(*ran)


def _brief(brief: bool) -> list[str]:
    return ["--tb=line"] if brief else []


class Validator:
    def __init__(
        self,
        workspace: Workspace,
        invocation: Invocation,
        baseline: RunResult,
        targets: Sequence[str],
        *,
        timeout: float | None = None,
        run: RunTests | None = None,
        coverage: LineCoverage | None = None,
        sample: Sequence[str] = (),
        deadline: float | None = None,
    ) -> None:
        self.run = run or SubprocessRuns(invocation.env, invocation.python, invocation.sandbox)
        # Run first when many tests fail: most candidates fail one of them, seconds sooner.
        self.sample = [t for t in sample if t in targets]
        self.deadline = deadline  # monotonic: no run outlives the budget
        self.coverage = coverage
        self.whole_suite_runs = 0
        self.workspace = workspace
        self.invocation = invocation
        self.baseline = baseline
        self.targets = list(targets)
        self.calibrated = set(self.targets)  # the tests targets_timeout was set for
        # A test a timeout plugin stopped ran as long as the plugin let it: not its duration.
        durations: Mapping[str, float] = {
            r.nodeid: 0.0 if r.hung() else r.duration for r in baseline.results
        }
        self.durations = durations
        overhead = max(0.0, baseline.duration - sum(durations.values()))
        # Generous multiples of what the original run took: a slower machine is not a hang.
        self.targets_timeout = timeout or max(
            10.0, 2 * overhead + 5 * sum(durations.get(t, 0.0) for t in self.targets) + 5
        )
        self.suite_timeout = timeout or max(20.0, 3 * baseline.duration + 5)
        self.fixed_timeout = timeout is not None
        # A fix may make a fast-failing test wait for real (a lock, a retry): the first few
        # candidates the calibrated timeout kills get one more run, 4x as long (at least 5 s,
        # at most the uncalibrated timeout).
        self.patient_timeout = self.targets_timeout
        self.patient_retries = PATIENT_RETRIES
        self.impatient_sites: set[tuple[str, int]] = set()  # sites whose retry went to a hang

    def calibrate(self) -> RunResult:
        """Run the failing tests once on the unpatched code: how long a run really takes here
        sets the timeout that kills a looping candidate (seconds, not minutes).

        A target that hung until a timeout plugin stopped it says nothing about how long a fixed
        run takes, and would hang again: it is left out (only collected, when all hung)."""
        if self.fixed_timeout:
            return RunResult()
        hung = {r.nodeid for r in self.baseline.results if r.hung()}
        alive = [t for t in (self.sample or self.targets) if t not in hung]
        if alive:
            result = self.run_targets(alive)
            self.calibrated = set(alive)
        else:
            inv = self.invocation
            result = self.run(
                inv.rootdir,
                [*inv.options, "--collect-only", "-q", *self.targets],
                timeout=self.limit(self.targets_timeout),
                memory_mb=inv.memory_mb,
            )
        if not result.timed_out:
            waited = sum(r.duration for r in result.results if r.hung())
            self.targets_timeout = max(1.0, 4 * max(0.0, result.duration - waited) + 1.0)
        return result

    def limit(self, timeout: float) -> float:
        """The run's timeout, cut to what the budget has left."""
        if self.deadline is None:
            return timeout
        return max(0.5, min(timeout, self.deadline - time.monotonic()))

    def run_targets(
        self,
        tests: Sequence[str] | None = None,
        brief: bool = False,
        timeout: float | None = None,
    ) -> RunResult:
        inv = self.invocation
        tests = self.targets if tests is None else tests
        # Calibrated on some of the failing tests: the others get their own share.
        extra = sum(self.durations.get(t, 0.0) for t in tests if t not in self.calibrated)
        return self.run(
            inv.rootdir,
            [*inv.options, *_brief(brief), *tests],
            timeout=self.limit((timeout or self.targets_timeout) + 5 * extra),
            memory_mb=inv.memory_mb,
        )

    def run_suite(self, shard: Sequence[str] = ()) -> RunResult:
        """The user's whole run, or one shard of it (test files and node ids, rootdir-relative)."""
        inv = self.invocation
        self.whole_suite_runs += not shard
        deselect = [f"--deselect={nodeid}" for nodeid in sorted(self.baseline.failed())]
        chosen = shard_args(inv.rootdir, shard) or inv.positional
        return self.run(
            inv.invocation_dir,
            [*inv.options, *chosen, *deselect, "-x"],
            timeout=self.limit(self.suite_timeout),
            memory_mb=inv.memory_mb,
        )

    def run_selected(self, tests: Sequence[str], brief: bool = False) -> RunResult:
        inv = self.invocation
        fastest_first = sorted(tests, key=lambda t: (self.durations.get(t, 0.0), t))
        timeout = self.targets_timeout + 5 * sum(self.durations.get(t, 0.0) for t in tests)
        return self.run(
            inv.rootdir,
            [*inv.options, *_brief(brief), *fastest_first, "-x"],
            timeout=self.limit(timeout),
            memory_mb=inv.memory_mb,
        )

    def covering_tests(self, patch: CodePatch) -> set[str] | None:
        """Tests that passed before and ran a changed line; None when that is not known."""
        if self.coverage is None:
            return None
        tests: set[str] = set()
        for edit in patch.edits:
            lines = self.coverage.get(edit.path)
            ran = None if lines is None else ran_by(edit, lines)
            if ran is None:
                return None
            tests |= ran
        return (tests & self.baseline.passed()) - set(self.targets)

    def _targets_verdict(self, patch: CodePatch, brief: bool) -> Verdict | None:
        """Why the failing tests (the sample first) reject the patched code; None if they pass."""
        passed: set[str] = set()
        for tests in (self.sample, [t for t in self.targets if t not in self.sample]):
            if not tests:
                continue
            run = self.run_targets(tests, brief)
            if run.timed_out and self._may_wait(patch):
                patient = min(self.patient_timeout, max(5.0, 4 * self.targets_timeout))
                run = self.run_targets(tests, brief, timeout=patient)
                if run.timed_out:  # a hang: what bounds the time hangs cost is spent
                    self.patient_retries -= 1
                    self.impatient_sites |= _sites(patch)
            if run.timed_out:
                return self._timed_out("failing tests timed out")
            passed |= run.passed()
            still = [t for t in tests if t not in passed]
            if still:
                return Verdict(
                    plausible=False,
                    reason=f"{len(still)} failing test(s) still fail",
                    targets_fixed=sorted(passed & set(self.targets)),
                    output_tail=run.output_tail,
                )
        return None

    def check(self, patch: CodePatch) -> Verdict:
        # An offline candidate's failures are counted, never shown (the LLM engine reads its
        # own as feedback): one line each spares the traceback's formatting, 15-20 % of a run.
        brief = patch.engine == "offline"
        with self.workspace.patched(patch):
            rejected = self._targets_verdict(patch, brief)
            if rejected is not None:
                return rejected
            selected = self.covering_tests(patch)
            if selected is not None and not selected:
                return Verdict(plausible=True)
            if selected is None:
                rest = self.run_suite()
            else:
                rest = self.run_selected(sorted(selected), brief)
            return self._judge(rest, whole_suite=selected is None)

    def confirm(self, patch: CodePatch, shard: Sequence[str] = ()) -> Verdict:
        """The whole suite (or the shard of it given), once, for the chosen patch."""
        with self.workspace.patched(patch):
            return self._judge(self.run_suite(shard), whole_suite=True)

    def _may_wait(self, patch: CodePatch) -> bool:
        """Whether a candidate the calibrated timeout killed gets one longer run."""
        return (
            not self.fixed_timeout
            and self.patient_retries > 0
            and not _sites(patch) <= self.impatient_sites
        )

    def _timed_out(self, reason: str) -> Verdict:
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.2:
            return Verdict(plausible=False, reason="stopped: the budget ended during the check")
        return Verdict(plausible=False, reason=reason, timed_out=True)

    def _judge(self, rest: RunResult, whole_suite: bool) -> Verdict:
        if rest.timed_out:
            return self._timed_out("test suite timed out")
        broken = rest.failed()
        if broken or rest.exit_code not in (0, 5):
            return Verdict(
                plausible=False,
                reason=f"breaks {len(broken) or 'the'} test(s)",
                output_tail=rest.output_tail,
            )
        return Verdict(plausible=True, whole_suite=whole_suite)


def _sites(patch: CodePatch) -> set[tuple[str, int]]:
    return {(edit.path, edit.start_line) for edit in patch.edits}
