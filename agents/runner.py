"""Run pytest in a subprocess inside the workspace; read its results from JUnit XML.

Each run has a wall-clock timeout and a memory limit, so a candidate that loops forever or eats
memory is rejected instead of hanging the search.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase

from aiap import tempdirs
from aiap.models import RunResult, TestResult
from aiap.nodeids import PROPERTY
from aiap.processes import isolated, kill_group
from aiap.sandbox import Mode, command

# Tells a pytest_aiap plugin loaded in a child run to stay dormant (no recursion).
CHILD_ENV = "AIAP_CHILD"
# Seconds a run may go on after writing its report before it is killed (its report taken).
LINGER = 5.0


def _nodeid(file: str | None, classname: str, name: str) -> str:
    """Rebuild a pytest node id from an xunit1 test case (file attribute + mangled classname),
    for a report written without aiap.nodeids."""
    if not file:
        return f"{classname.replace('.', '/')}::{name}"
    file = file.replace(os.sep, "/")
    module = file[:-3] if file.endswith(".py") else file
    dotted = module.replace("/", ".")
    parts = [file]
    if classname.startswith(dotted + "."):
        parts.extend(classname[len(dotted) + 1 :].split("."))
    parts.append(name)
    return "::".join(parts)


def read_junit(path: Path) -> list[TestResult]:
    results = []
    xml = JUnitXml.fromfile(str(path))
    suites = [xml] if xml._tag == "testsuite" else list(xml)
    for suite in suites:
        for case in suite:
            if not isinstance(case, TestCase):
                continue
            outcome = "passed"
            message = ""
            for result in case.result:
                if isinstance(result, Error):
                    outcome = "error"
                elif isinstance(result, Failure):
                    outcome = "failed"
                elif isinstance(result, Skipped):
                    outcome = "skipped"
                message = (result.message or "")[:2000]
                break
            named = case._elem.find(f"properties/property[@name='{PROPERTY}']")
            nodeid = named.get("value") if named is not None else None
            results.append(
                TestResult(
                    nodeid=nodeid
                    or _nodeid(case._elem.get("file"), case.classname or "", case.name or ""),
                    outcome=outcome,  # type: ignore[arg-type]
                    duration=float(case.time or 0.0),
                    message=message,
                )
            )
    return results


def junit_args(junit: Path, nodeids: bool = True) -> list[str]:
    """What every aiap run adds: its own JUnit file (xunit1 keeps the file attribute) and,
    where aiap can be imported, the node id of each case, which the XML cannot always give."""
    args = [f"--junitxml={junit}", "-o", "junit_family=xunit1", "-p", "no:cacheprovider"]
    return [*args, "-p", "aiap.nodeids"] if nodeids else args


def aiap_importable(env: Mapping[str, str], python: str | None) -> bool:
    """Whether a run under ``python`` with ``env`` can import aiap's modules: aiap's own
    interpreter, or one bridged to it (a project's tests run by the hook are not)."""
    from aiap.interpreter import BRIDGE_PACKAGES_ENV, is_own_python

    return python is None or is_own_python(python) or BRIDGE_PACKAGES_ENV in env


def run_pytest(
    cwd: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    memory_mb: int | None = None,
    python: str | None = None,
    scratch: Path | None = None,
    sandbox: Mode = "none",
    writable: Sequence[Path] = (),
) -> RunResult:
    """Run ``python -m pytest ARGS`` in ``cwd``, with ``python`` or else the current interpreter.

    ``scratch``: where the JUnit file goes (a sandboxed child may write only there).
    ``writable``: what a sandboxed run may write besides aiap's temporary directory.
    """
    run = PytestRun(
        cwd,
        args,
        env=env,
        memory_mb=memory_mb,
        python=python,
        scratch=scratch,
        sandbox=sandbox,
        writable=writable,
    )
    return run.result(timeout)


class PytestRun:
    """A pytest subprocess started now, in its own process group; ``result`` waits for it.

    Its output goes to a file, not a pipe: runs started side by side never wait on a reader.
    """

    def __init__(
        self,
        cwd: Path,
        args: Sequence[str],
        *,
        env: Mapping[str, str],
        memory_mb: int | None = None,
        python: str | None = None,
        scratch: Path | None = None,
        sandbox: Mode = "none",
        writable: Sequence[Path] = (),
    ) -> None:
        self._tmp = tempdirs.make("run", where=scratch)
        self._junit = self._tmp / "junit.xml"
        self._output = self._tmp / "output.log"
        nodeids = aiap_importable(env, python)
        cmd = command(
            [python or sys.executable, "-m", "pytest", *args, *junit_args(self._junit, nodeids)],
            sandbox,
            writable,
        )
        self.start = time.monotonic()
        try:
            with self._output.open("wb") as out:
                self.proc = subprocess.Popen(
                    cmd,
                    cwd=cwd,
                    env={**env, CHILD_ENV: "1"},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    preexec_fn=isolated(memory_mb),  # its own process group: killed whole
                )
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def result(self, timeout: float) -> RunResult:
        """Wait for the run until ``timeout`` seconds after its start; a run still going then is
        killed, group and all, and so is it when the wait is interrupted (Ctrl-C).

        A run that wrote its report and then does not end (a thread that never stops holds the
        interpreter open) is killed ``LINGER`` seconds later and its report taken."""
        timed_out = lingered = False
        try:
            try:
                lingered = self._wait(self.start + timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                self.kill()
            except BaseException:  # Ctrl-C: take the child down with us
                self.kill()
                raise
            duration = time.monotonic() - self.start
            results = read_junit(self._junit) if self._junit.exists() and not timed_out else []
            text = self._output.read_bytes()[-16000:].decode("utf-8", "replace")
            code = self.proc.returncode
            if lingered:
                code = 1 if any(r.outcome in ("failed", "error") for r in results) else 0
                text += f"\naiap: the run wrote its report but had not ended {LINGER:g} s later\n"
            return RunResult(
                results=results,
                exit_code=None if timed_out else code,
                timed_out=timed_out,
                duration=duration,
                output_tail=text[-4000:],
            )
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _wait(self, deadline: float) -> bool:
        """Wait for the run to end; True when it was killed for lingering after its report,
        TimeoutExpired at the deadline."""
        reported: float | None = None
        while True:
            left = deadline - time.monotonic()
            try:
                self.proc.wait(timeout=max(0.0, min(left, 0.5)))
                return False
            except subprocess.TimeoutExpired:
                if left <= 0.5:
                    raise
            if reported is None and self._junit.exists():
                reported = time.monotonic()
            elif reported is not None and time.monotonic() - reported > LINGER:
                self.kill()
                return True

    def kill(self) -> None:
        """Stop the run if it is still going (its group is not looked up once it was reaped:
        the number may be another's by then)."""
        if self.proc.returncode is None:
            kill_group(self.proc.pid)
            self.proc.wait()

    def close(self) -> None:
        """Stop the run and remove its files, without waiting for a result."""
        self.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)
