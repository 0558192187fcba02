"""Validation on every core: one workspace copy and one warm worker per lane.

Candidates are checked in parallel, one per lane, and their verdicts are read back in the order
the candidates were offered, so a search decides as it would checking them one at a time.
"""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from aiap.engines import one_line
from aiap.models import CodePatch, Verdict
from aiap.repair.forkserver import ForkServer, WorkerDied
from aiap.repair.validate import Invocation, RunTests, SubprocessRuns, Validator
from aiap.workspace import Workspace

T = TypeVar("T")


def lane_count(workers: int | None = None) -> int:
    """The lanes to open: the setting, else one per core this process may run on."""
    if workers:
        return max(1, workers)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no affinity call
        return max(1, os.cpu_count() or 1)


def _main_thread_takes_signals() -> None:
    """In a lane thread: leave SIGINT to the main thread. Delivered to a lane thread, Ctrl-C
    would only be noticed once the main thread's wait ended: after the search, too late."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _executor(count: int, name: str) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=count, thread_name_prefix=name, initializer=_main_thread_takes_signals
    )


@dataclass
class Lane:
    """A workspace copy, the user's invocation mapped into it, and the way runs are made there."""

    workspace: Workspace
    invocation: Invocation
    run: RunTests


def _start(workspace: Workspace, invocation: Invocation) -> ForkServer | SubprocessRuns:
    """A warm forking worker when the platform has fork, else a fresh subprocess per run."""
    if hasattr(os, "fork"):
        try:
            return ForkServer(workspace.root, invocation.env, invocation.python, invocation.sandbox)
        except (WorkerDied, OSError):
            pass
    return SubprocessRuns(invocation.env, invocation.python, invocation.sandbox)


def _ready(
    runner: ForkServer | SubprocessRuns, invocation: Invocation, preload: Sequence[str]
) -> ForkServer | SubprocessRuns:
    if isinstance(runner, ForkServer):
        try:
            runner.preload(preload)
        except WorkerDied:
            return SubprocessRuns(invocation.env, invocation.python, invocation.sandbox)
    return runner


class LaneStart:
    """Lanes whose workers warm up while the reproduction runs; ``ready`` hands them the modules
    to preload, which only the reproduction finds."""

    def __init__(self, workspaces: list[Workspace], invocations: list[Invocation]) -> None:
        self.workspaces, self.invocations = workspaces, invocations
        self._starter = _executor(len(workspaces), "aiap-start")
        self._starts = [
            self._starter.submit(_start, *pair)
            for pair in zip(workspaces, invocations, strict=True)
        ]

    def ready(self, preload: Sequence[str]) -> list[Lane]:
        runners = list(
            self._starter.map(
                _ready,
                [wait(f) for f in self._starts],
                self.invocations,
                [preload] * len(self._starts),
            )
        )
        return [
            Lane(ws, inv, runner.run if isinstance(runner, ForkServer) else runner)
            for ws, inv, runner in zip(self.workspaces, self.invocations, runners, strict=True)
        ]

    def close(self) -> None:
        self._starter.shutdown(wait=True)
        for start in self._starts:
            if start.exception() is None and isinstance(runner := start.result(), ForkServer):
                runner.close()


@contextmanager
def start_lanes(
    primary: Workspace, invocation_for: Callable[[Workspace], Invocation], count: int
) -> Iterator[LaneStart]:
    """``count`` lanes: the primary workspace and clones of it (made now, before any run leaves
    files in the primary), their workers started together."""
    workspaces = [primary]
    start: LaneStart | None = None
    try:
        workspaces.extend(primary.clone() for _ in range(count - 1))
        start = LaneStart(workspaces, [invocation_for(ws) for ws in workspaces])
        yield start
    finally:
        if start is not None:
            start.close()
        for ws in workspaces[1:]:
            ws.cleanup()


@contextmanager
def open_lanes(
    primary: Workspace,
    invocation_for: Callable[[Workspace], Invocation],
    preload: Sequence[str],
    count: int,
) -> Iterator[list[Lane]]:
    """``count`` lanes, ready: ``start_lanes`` when there is nothing to do meanwhile."""
    with start_lanes(primary, invocation_for, count) as start:
        yield start.ready(preload)


def wait(future: Future[T]) -> T:
    """The future's result, waited for in short steps: the main thread looks at pending signals
    (Ctrl-C) between them."""
    while True:
        try:
            return future.result(timeout=0.2)
        except FutureTimeout:  # not the builtin before Python 3.11
            continue


class ValidatorPool:
    """One Validator per lane; ``submit`` checks a candidate on the next free lane.

    ``shards``: the split of the suite the reproduction ran as (one per lane at most); the final
    whole-suite run then runs split too."""

    def __init__(
        self, validators: Sequence[Validator], shards: Sequence[Sequence[str]] = ()
    ) -> None:
        self.validators = list(validators)
        self.shards = [list(shard) for shard in shards] if len(shards) <= len(validators) else []
        self._free: queue.SimpleQueue[Validator] = queue.SimpleQueue()
        for validator in self.validators:
            self._free.put(validator)
        self._executor = _executor(len(self.validators), "aiap-lane")
        self.check_seconds: list[float] = []
        self.calibration_seconds = 0.0

    @property
    def size(self) -> int:
        return len(self.validators)

    @property
    def whole_suite_runs(self) -> int:
        return sum(v.whole_suite_runs for v in self.validators)

    def calibrate(self) -> None:
        """Calibrate on one lane; every lane then kills a looping candidate at the same time."""
        first = self.validators[0]
        self.calibration_seconds = first.calibrate().duration
        for other in self.validators[1:]:
            other.targets_timeout = first.targets_timeout

    def _check(self, patch: CodePatch) -> Verdict:
        validator = self._free.get()
        start = time.monotonic()
        try:
            return validator.check(patch)
        except Exception as e:  # one candidate that cannot be checked never ends the search
            return Verdict(plausible=False, reason="could not be checked", error=one_line(e))
        finally:
            self.check_seconds.append(time.monotonic() - start)
            self._free.put(validator)

    def typical_check(self) -> float:
        """The median seconds a check has taken so far (the calibration run before any)."""
        done = sorted(self.check_seconds)
        return done[len(done) // 2] if done else self.calibration_seconds

    def submit(self, patch: CodePatch) -> Future[Verdict]:
        return self._executor.submit(self._check, patch)

    def on_lane(self, work: Callable[[Validator], T]) -> Future[T]:
        """Run ``work`` on the next free lane, with its validator, as a check runs."""

        def run() -> T:
            validator = self._free.get()
            try:
                return work(validator)
            finally:
                self._free.put(validator)

        return self._executor.submit(run)

    def start_confirm(self, patch: CodePatch) -> Callable[[], Verdict]:
        """Start the whole suite for ``patch`` on the lanes, queued behind the checks in flight:
        its shards side by side when the reproduction ran split. The call returned waits for
        the verdict."""
        shards = self.shards if len(self.shards) > 1 else [[]]
        futures = [self.on_lane(partial(_confirm_shard, patch=patch, shard=s)) for s in shards]
        return partial(self._confirmed, patch, futures)

    def _confirmed(self, patch: CodePatch, futures: list[Future[Verdict]]) -> Verdict:
        verdicts = [wait(future) for future in futures]
        rejected = next((v for v in verdicts if not v.plausible), None)
        if rejected is None:
            return Verdict(plausible=True, whole_suite=True)
        if rejected.reason.startswith("stopped") or len(futures) == 1:
            return rejected
        # A test that passes in the user's whole run may fail split (order, shared state): the
        # whole run decides.
        return wait(self.on_lane(partial(_confirm_shard, patch=patch, shard=[])))

    def confirm(self, patch: CodePatch) -> Verdict:
        """The whole suite for ``patch``, waited for."""
        return self.start_confirm(patch)()

    def close(self) -> None:
        # Runs still in flight end when their workers are closed (open_lanes' exit).
        self._executor.shutdown(wait=False, cancel_futures=True)


def _confirm_shard(validator: Validator, patch: CodePatch, shard: list[str]) -> Verdict:
    return validator.confirm(patch, shard)
