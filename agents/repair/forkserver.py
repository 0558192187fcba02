"""A warm pytest worker that forks once per test run, so a candidate costs no interpreter start.

The worker imports pytest and the project's third-party dependencies once (never the project's
own modules: they change from candidate to candidate), then for each request forks a child that
runs ``pytest.main`` in the workspace under a memory limit, and kills it at a wall-clock timeout.
This is mutmut 3's shape. Requests and answers are JSON lines (``RunRequest``, ``RunAnswer``) on
the worker's stdin and stdout.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from aiap import tempdirs
from aiap.models import RunResult
from aiap.processes import kill_group, limit_memory
from aiap.runner import CHILD_ENV, aiap_importable, junit_args, read_junit
from aiap.sandbox import Mode, command

# pytest would warn that the plugins the worker preloaded cannot be rewritten: a project that
# turns warnings into errors (-W error, filterwarnings = error) would fail every run.
PRELOADED_ARGS = ("-W", "ignore:Module already imported:pytest.PytestAssertRewriteWarning")


class RunRequest(BaseModel):
    """One pytest run, asked of the worker."""

    cwd: str
    args: list[str]
    timeout: float
    memory_mb: int | None = None
    log: str  # where the run's output goes
    env: dict[str, str] = {}  # set in the child before the run (a probe that reads it on import)


class RunAnswer(BaseModel):
    exit: int | None  # None when killed at the timeout
    timed_out: bool
    duration: float


def _child(request: RunRequest, out_fd: int) -> None:
    """In the forked child: run pytest once and exit without returning to the worker loop."""
    try:
        os.setpgid(0, 0)  # its own group: killed whole with anything it started
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the worker's handler is not the run's
        log = os.open(request.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(out_fd)
        limit_memory(request.memory_mb)
        os.environ.update(request.env)
        os.chdir(request.cwd)
        import pytest

        code = int(pytest.main(request.args))
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # anything: the child must never fall back into the worker loop
        code = 3
        try:  # into the run's log, whose tail the verdict carries
            import traceback

            sys.stderr.write(traceback.format_exc())
            sys.stderr.flush()
        except BaseException:
            pass
    os._exit(code)


def _wait(pid: int, timeout: float) -> tuple[int | None, bool]:
    """Exit code of the child, or (None, True) after killing it at the timeout."""
    deadline = time.monotonic() + timeout
    pidfd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status), False
            left = deadline - time.monotonic()
            if left <= 0:
                kill_group(pid)
                os.waitpid(pid, 0)
                return None, True
            if pidfd is not None:
                select.select([pidfd], [], [], left)
            else:
                time.sleep(min(0.005, left))
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _warm_up() -> None:
    """One pytest session on an empty directory: lazy imports, regex and path caches are then
    paid once here instead of in every child. No project code is imported."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="aiap-warm-") as empty:
        try:
            pytest.main([empty, "-q", *junit_args(Path(empty) / "j.xml", nodeids=False)])
        except BaseException:  # warming is an optimisation only
            pass


@contextmanager
def _kept_unless_project_code(root: Path) -> Iterator[None]:
    """Forget what the block imported if it reached the project's own code: a third-party
    module that imports the project (freezegun imports dateutil) would otherwise hand every
    child the unpatched module, and no candidate could change what the tests run."""
    before = set(sys.modules)
    try:
        yield
    finally:
        new = [name for name in sys.modules if name not in before]
        if any(_is_under(sys.modules[name], root) for name in new):
            for name in new:
                sys.modules.pop(name, None)


def _is_under(module: object, root: Path) -> bool:
    path = getattr(module, "__file__", None)
    if not isinstance(path, str):
        return False
    try:
        return Path(path).resolve().is_relative_to(root)
    except (OSError, ValueError):
        return False


def _stop(running: list[int]) -> None:
    """SIGTERM from the client closing: the run in progress goes with its group, then the
    worker (a candidate is in a group of its own, which killing the worker's leaves alive)."""
    for pid in running:
        kill_group(pid)
    os._exit(1)


def serve() -> None:
    """The worker's main loop: warm up, preload (the first line read: a JSON list of module
    names), then one fork per request line."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the protocol
    import pytest  # noqa: F401  (warm)

    root = Path(os.environ.get("AIAP_WORKSPACE_ROOT") or os.getcwd()).resolve()
    with _kept_unless_project_code(root):
        _warm_up()  # a pytest plugin among the project's modules is imported here too
    # The modules to preload are known once the reproduction ends; the worker has warmed up
    # while it ran.
    for name in json.loads(sys.stdin.readline() or "[]"):
        with _kept_unless_project_code(root):
            try:
                importlib.import_module(name)
            except BaseException:  # a module that fails to import here is imported by the child
                pass
    # Preloaded objects go to the permanent generation: the gc.collect() calls pytest makes at
    # session end then skip them in every child (and copy-on-write pages stay shared).
    gc.collect()
    gc.freeze()
    # Lanes start workers from threads that block SIGINT and SIGTERM: the runs get the default
    # mask, as under a plain pytest (a test may signal a child of its own).
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    running: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: _stop(running))
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = RunRequest.model_validate_json(line)
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(request, out.fileno())
        try:
            os.setpgid(pid, pid)  # as the child does: its group exists before anyone kills it
        except OSError:
            pass  # the child got there first, or is already gone
        running[:] = [pid]
        code, timed_out = _wait(pid, request.timeout)
        running.clear()
        answer = RunAnswer(exit=code, timed_out=timed_out, duration=time.monotonic() - start)
        out.write(answer.model_dump_json() + "\n")


_SERVE = "from aiap.repair.forkserver import serve; serve()"


class WorkerDied(Exception):
    pass


class ForkServer:
    """Client side: one warm worker per workspace; ``run`` mirrors ``runner.run_pytest``.

    The worker starts warming up at once; ``preload`` hands it the modules to import and waits
    until it is ready (``run`` asks for an empty preload first if it was not called)."""

    def __init__(
        self,
        cwd: Path,
        env: Mapping[str, str],
        python: str | None = None,
        sandbox: Mode = "none",
    ) -> None:
        child_env = {**env, CHILD_ENV: "1"}
        self._ready = False
        self._nodeids = aiap_importable(child_env, python)
        self._tmp = tempdirs.make("fork")
        self.proc = subprocess.Popen(
            command([python or sys.executable, "-c", _SERVE], sandbox),
            cwd=cwd,
            env=child_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def preload(self, modules: Sequence[str]) -> None:
        """Import ``modules`` in the worker once for all runs; return when it is ready."""
        self._send(json.dumps(list(modules)))
        self._read_line(timeout=120)  # the worker is ready
        self._ready = True

    def _send(self, line: str) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.close()
            raise WorkerDied("the warm pytest worker is gone") from None

    def _read_line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise WorkerDied("the warm pytest worker stopped answering")
        return line

    def run(
        self,
        cwd: Path,
        args: Sequence[str],
        *,
        timeout: float,
        memory_mb: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> RunResult:
        if not self._ready:
            self.preload([])
        tmp = self._tmp
        junit = tmp / "junit.xml"
        log = tmp / "output.log"
        junit.unlink(missing_ok=True)
        request = RunRequest(
            cwd=str(cwd),
            args=[*args, *PRELOADED_ARGS, *junit_args(junit, self._nodeids)],
            timeout=timeout,
            memory_mb=memory_mb,
            log=str(log),
            env=dict(env or {}),
        )
        self._send(request.model_dump_json())
        answer = RunAnswer.model_validate_json(self._read_line(timeout=timeout + 60))
        results = read_junit(junit) if junit.exists() and not answer.timed_out else []
        output = log.read_text("utf-8", "replace")[-4000:] if log.exists() else ""
        return RunResult(
            results=results,
            exit_code=answer.exit,
            timed_out=answer.timed_out,
            duration=answer.duration,
            output_tail=output,
        )

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the worker kills the run in progress, then exits
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            kill_group(self.proc.pid)
            self.proc.wait()
        # Closed here, not left to the garbage collector: a project whose pytest turns warnings
        # into errors would fail on the ResourceWarning of an unclosed pipe.
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:  # a broken pipe to a worker that died
                    pass
        shutil.rmtree(self._tmp, ignore_errors=True)
