"""Fix the files of a commit: ruff fixes and formatting, then the tests that exercise the files,
run in the project's own interpreter, and the repair core on the sources when one fails.

The repaired files are only those of the commit, never test files; every write goes through
``RunRecord.apply`` (validated, atomic, undoable, audited).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from aiap.aiapdir import AiapDir
from aiap.config import AiapConfig
from aiap.interpreter import (
    InterpreterError,
    ProjectPython,
    check_bridgeable,
    find_project_python,
    project_env,
)
from aiap.lintfix import LintResult, lint_fix
from aiap.models import CodePatch, RunResult
from aiap.record import RunRecord
from aiap.runner import run_pytest
from aiap.sandbox import Mode, SandboxUnavailable, resolve
from aiap.testfiles import is_test_file
from aiap.testselect import TestSelection, select_tests

Progress = Callable[[str], None]


class FixOptions(BaseModel):
    ruff_fix: bool = True
    ruff_format: bool = True
    all_lines: bool = False  # ruff's changes to every line, not only the commit's
    tests: bool = True
    test_timeout: float = 60.0  # seconds for one run of the selected tests


class FixReport(BaseModel):
    """What the fix did to the commit's files, and what the user must read."""

    lint: LintResult = LintResult()
    python: ProjectPython | None = None
    selection: TestSelection | None = None
    failing: list[str] = []  # tests that failed before any repair
    patched: dict[str, str] = {}  # path -> what the applied patch changed
    still_failing: list[str] = []
    messages: list[str] = []
    error: bool = False  # the tests could not run: nothing was judged

    @property
    def changed(self) -> bool:
        return bool(self.lint.changed or self.patched)


# pytest's report of a module that does not parse: the file line, then the error.
_SYNTAX_ERROR = re.compile(
    r'File "([^"]+)", line (\d+)[\s\S]*?((?:SyntaxError|IndentationError|TabError): .*)'
)
_IMPORT_PROBLEM = re.compile(
    r"((?:ModuleNotFoundError|ImportError): .*|No module named .*|.*: can't open file .*)"
)


def _cannot_run(result: RunResult, python: ProjectPython, timeout: float, root: Path) -> str | None:
    """Why the run judged nothing, or None when it did."""
    where = f"{python.path} ({python.source})"
    if result.timed_out:
        return (
            f"the tests did not finish within {timeout:.0f} s with {where}; "
            "raise --test-timeout or fix the hang"
        )
    if result.exit_code in (0, 1, 5) and (result.results or result.exit_code != 1):
        return None
    output = result.output_tail
    syntax = _SYNTAX_ERROR.search(output)
    if syntax:
        path, line, error = syntax.groups()
        return (
            f"{_relative(path, root)}:{line}: {error.strip()}; "
            "aiap does not repair syntax errors: fix it first"
        )
    found = _IMPORT_PROBLEM.search(output)
    if found:
        return (
            f"the tests cannot run with {where}: {found.group(1).strip()}; "
            "point [tool.aiap] python at the interpreter of the project's environment"
        )
    return f"the tests could not be collected with {where}: {_last_line(output)}"


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _run_selected(
    root: Path, tests: Sequence[str], python: ProjectPython, timeout: float, sandbox: Mode
) -> RunResult:
    """The selected tests in the user's tree, as the user would run them; sandboxed, they may
    write in the project only."""
    env = project_env(os.environ, python)
    env.pop("PYTEST_ADDOPTS", None)  # the user's ad-hoc flags are for their own runs
    return run_pytest(
        root,
        list(tests),
        env=env,
        timeout=timeout,
        python=python.path,
        sandbox=sandbox,
        writable=[root],
    )


def fix_commit(
    root: Path,
    files: Sequence[str],
    config: AiapConfig,
    options: FixOptions,
    progress: Progress | None = None,
) -> FixReport:
    """Fix ``files`` (relative to ``root``) in place; see the module docstring for the steps."""
    say = progress or (lambda _: None)
    report = FixReport()
    python_files = [f for f in files if f.endswith(".py") and (root / f).is_file()]
    if options.ruff_fix or options.ruff_format:
        report.lint = lint_fix(
            root,
            python_files,
            fix=options.ruff_fix,
            fmt=options.ruff_format,
            all_lines=options.all_lines,
        )
    if not options.tests or not python_files:
        return report
    selection = select_tests(root, python_files, coverage_map=AiapDir(root).read_coverage_map())
    report.selection = selection
    if not selection.tests:
        say("no test exercises the staged files")
        return report
    try:
        python = find_project_python(root, config.python)
    except InterpreterError as e:
        report.messages.append(str(e))
        report.error = True
        return report
    report.python = python
    how = Counter(selection.tests.values())
    chosen = ", ".join(f"{count} by {method}" for method, count in sorted(how.items()))
    count = len(selection.tests)
    say(f"{count} test file(s) to run ({chosen}), with {python.path} ({python.source})")
    tests = list(selection.tests)
    try:
        sandbox = resolve(config.sandbox)
    except SandboxUnavailable as e:
        report.messages.append(str(e))
        report.error = True
        return report
    result = _run_selected(root, tests, python, options.test_timeout, sandbox)
    problem = _cannot_run(result, python, options.test_timeout, root)
    if problem:
        report.messages.append(problem)
        report.error = True
        return report
    report.failing = sorted(result.failed())
    if not report.failing:
        return report
    sources = {f for f in python_files if not is_test_file(f)}
    _repair(root, tests, result, python, sources, config, report, say)
    if report.patched:
        again = _run_selected(root, tests, python, options.test_timeout, sandbox)
        report.still_failing = sorted(again.failed()) if not again.timed_out else report.failing
    else:
        report.still_failing = report.failing
    return report


def _repair(
    root: Path,
    tests: list[str],
    result: RunResult,
    python: ProjectPython,
    sources: set[str],
    config: AiapConfig,
    report: FixReport,
    say: Progress,
) -> None:
    from aiap.repair.pipeline import (  # the search machinery: only when a test fails
        RepairJob,
        repair,
    )

    why_not = check_bridgeable(python)
    if why_not:
        report.messages.append(f"no repair: {why_not}")
        return
    say(f"{len(report.failing)} test(s) fail; searching a patch (budget {config.budget:.0f} s)")
    job = RepairJob(
        root=root,
        invocation_dir=root,
        options=[],
        positional=tests,
        failing=report.failing,
        config=config,
        user_seconds=result.duration,
        python=None if python.is_own else python.path,
    )
    try:
        state = repair(job, progress=say)
    except SandboxUnavailable as e:
        report.messages.append(f"no repair: {e}")
        return
    report.messages.extend(state.messages)
    record = RunRecord(root, tag="fix")
    record.save(state)
    for patch in state.patches:
        _apply_if_staged(record, patch, sources, report)
    report.messages.extend(record.problems)


def _apply_if_staged(
    record: RunRecord, patch: CodePatch, sources: set[str], report: FixReport
) -> None:
    paths = {f.path for f in patch.files}
    outside = sorted(paths - sources)
    if outside or paths & set(report.patched):
        reason = (
            f"{', '.join(outside)} not among the staged sources"
            if outside
            else "overlaps an applied patch"
        )
        record.not_applied(patch, reason)
        saved = record.saved.get(patch.key())
        where = f" (saved as {saved})" if saved else ""
        report.messages.append(f"{patch.description}: {reason}; not applied{where}")
        return
    refused = record.apply(patch)
    if refused:
        report.messages.append(refused)
        return
    for path in sorted(paths):
        report.patched[path] = patch.description
