"""Where code under test runs: a temporary copy of the project, never the user's tree.

Each process started here runs in its own process group (killed whole on a timeout), under an
address-space limit, with ``aiap.testgen.guard`` refusing network, processes and writes
outside the sandbox's scratch directory. A module that exits, forks, sleeps forever or deletes
files costs one restart of the worker and harms nothing.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from aiap.models import RunResult
from aiap.processes import isolated, kill_group
from aiap.runner import CHILD_ENV, run_pytest
from aiap.sandbox import Mode, command, private_dirs
from aiap.testgen.guard import WRITABLE_ENV
from aiap.testgen.models import Candidate, Execution
from aiap.workspace import Workspace


class SandboxError(Exception):
    """The module cannot be imported in the sandbox; the message says why."""


class Sandbox:
    """A copy of the project plus a scratch directory: the only place writes may go."""

    def __init__(self, workspace: Workspace, memory_mb: int | None, mode: Mode = "none") -> None:
        self.workspace = workspace
        self.mode = mode  # aiap.sandbox's: bwrap around every process started here, or none
        self.root = workspace.root
        self.scratch = workspace.root.parent / "scratch"
        self.scratch.mkdir(exist_ok=True)
        self.memory_mb = memory_mb

    @classmethod
    def create(cls, project: Path, memory_mb: int | None = 2048, mode: Mode = "none") -> Sandbox:
        return cls(Workspace.create(project), memory_mb, mode)

    def env(self, import_root: str) -> dict[str, str]:
        """The environment of every child: imports from the copy, temp files in the scratch."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIAP_", "PYTEST_"))}
        paths = [str(self.root / import_root), str(self.root)]
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(paths),
                "PYTHONDONTWRITEBYTECODE": "1",
                "TMPDIR": str(self.scratch),
                "HOME": str(self.scratch),
                WRITABLE_ENV: os.pathsep.join(self._writable()),
                CHILD_ENV: "1",
                "COVERAGE_CORE": "ctrace",  # dynamic contexts need it on newer Pythons
            }
        )
        return env

    def _writable(self) -> list[str]:
        """Where writes may go: the scratch, and in a sandbox the HOME and TMPDIR it sets."""
        dirs = [self.scratch]
        if self.mode != "none":
            dirs.extend(private_dirs().values())
        return [str(d) for d in dirs]

    def worker(
        self,
        module: str,
        import_root: str,
        timeout: float,
        imported: Mapping[str, tuple[str, str]] | None = None,
    ) -> SearchWorker:
        return SearchWorker(self, module, import_root, timeout, imported or {})

    def pytest(
        self,
        args: Sequence[str],
        import_root: str,
        timeout: float,
        extra_env: Mapping[str, str] | None = None,
    ) -> RunResult:
        """A fresh pytest process in the copy, guarded, with tmp_path under the scratch."""
        return run_pytest(
            self.root,
            ["-p", "aiap.testgen.guard", f"--basetemp={self.scratch / 'pytest'}", *args],
            env={**self.env(import_root), **(extra_env or {})},
            timeout=timeout,
            memory_mb=self.memory_mb,
            scratch=self.scratch,
            sandbox=self.mode,
        )

    def cleanup(self) -> None:
        self.workspace.cleanup()


class SearchWorker:
    """A warm child that imports the module once and runs candidates one at a time."""

    def __init__(
        self,
        sandbox: Sandbox,
        module: str,
        import_root: str,
        timeout: float,
        imported: Mapping[str, tuple[str, str]],
    ) -> None:
        self.sandbox = sandbox
        self.module = module
        self.imported = [f"{local}={where}:{name}" for local, (where, name) in imported.items()]
        self.import_root = import_root
        self.timeout = timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.path = ""

    def _log(self) -> int:
        self._log_path = self.sandbox.scratch / f"worker-{self.module}.log"
        return os.open(self._log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)

    def _start(self) -> None:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        memory = self.sandbox.memory_mb
        log = self._log()
        try:
            self.proc = subprocess.Popen(
                command(
                    [sys.executable, "-m", "aiap.testgen.worker", str(req_r), str(resp_w)]
                    + [self.module, *self.imported],
                    self.sandbox.mode,
                ),
                cwd=self.sandbox.scratch,
                env=self.sandbox.env(self.import_root),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(req_r, resp_w),
                preexec_fn=isolated(memory),
            )
        finally:
            os.close(req_r)
            os.close(resp_w)
            os.close(log)
        self._requests = os.fdopen(req_w, "w", encoding="utf-8")
        self._responses = resp_r
        self._buffer = b""
        self._eof = False
        ready = self._read_line(max(self.timeout, 30.0))
        if ready is None:
            err = self._stop()
            raise SandboxError(f"cannot import {self.module} in the sandbox: {err}")
        self.path = json.loads(ready)["ready"]

    def _read_line(self, timeout: float) -> str | None:
        import time

        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._responses], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._responses, 65536)
            if not chunk:
                self._eof = True
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8")

    def _stop(self) -> str:
        err = ""
        if self.proc is not None:
            kill_group(self.proc.pid)
            self.proc.wait()
            err = self._log_path.read_bytes().decode("utf-8", "replace").strip()
            try:
                self._requests.close()
            except BrokenPipeError:
                pass
            os.close(self._responses)
            self.proc = None
        return err.splitlines()[-1] if err else "the worker exited"

    def run(self, candidate: Candidate) -> Execution:
        if self.proc is None:
            self._start()
        try:
            self._requests.write(candidate.model_dump_json() + "\n")
            self._requests.flush()
        except BrokenPipeError:
            self._stop()
            self.restarts += 1
            return Execution(outcome="crashed", message="the worker exited")
        line = self._read_line(self.timeout)
        if line is None:
            timed_out = not self._eof
            message = self._stop()
            self.restarts += 1
            if timed_out:
                return Execution(outcome="timeout", message=f"no answer in {self.timeout:g} s")
            return Execution(outcome="crashed", message=message)
        return Execution.model_validate_json(line)

    def close(self) -> None:
        if self.proc is not None:
            self._stop()

    def __enter__(self) -> SearchWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
