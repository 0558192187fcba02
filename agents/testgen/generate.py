"""The test-generation pipeline: targets, search, tests, filters, files. No printing here."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from aiap import tempdirs
from aiap.aiapdir import new_file_mode, write_atomic
from aiap.processes import terminate_unwinds
from aiap.sandbox import Mode, SandboxUnavailable, Setting, resolve
from aiap.testgen import coverage_data, llm
from aiap.testgen.coverage_data import CoverageDataError, FileCoverage
from aiap.testgen.emit import header, module_source, render_tests
from aiap.testgen.filters import filter_tests
from aiap.testgen.guard import PREFIX
from aiap.testgen.inputs import Seeder
from aiap.testgen.layout import layout
from aiap.testgen.llm import Complete
from aiap.testgen.models import GeneratedTest, GenerationReport, ModuleReport, ModuleTargets
from aiap.testgen.sandbox import Sandbox, SandboxError
from aiap.testgen.search import drivers, search
from aiap.testgen.targets import TargetError, analyse, changed_lines, source_files

Progress = Callable[[str], None]


NONE_NOTE = (
    "sandbox = none: the suite and the generated tests run in a copy of the project under an "
    "audit hook and process limits only, not in a sandbox"
)


# Seconds of a module's share kept from its search for filtering its tests (three pytest runs).
FILTER_RESERVE = 6.0


class GenerationError(Exception):
    """Generation cannot start; the message says why. Nothing was written."""


class GenOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: Path
    paths: list[Path] = []
    coverage_file: Path | None = None
    coverage_xml: Path | None = None
    diff_base: str | None = None
    out: Path = Path("tests/generated")
    time_budget: float = 60.0
    engine: Literal["auto", "offline", "llm"] = "auto"
    seed: int = 0
    write: bool = True
    command: str = "aiap gen-tests"
    candidate_timeout: float = 2.0
    memory_mb: int | None = 2048
    max_candidates: int | None = None
    suite_timeout: float = 600.0
    filter_timeout: float = 120.0
    sandbox: Setting = "auto"


def _quiet(message: str) -> None:
    pass


def generate(
    options: GenOptions,
    progress: Progress = _quiet,
    complete: Complete | None = None,
    status: Progress | None = None,
) -> GenerationReport:
    """Generate tests for ``options.paths``; ``complete`` reaches a model when one is set up.

    ``progress`` gets a line per stage and module; ``status``, when given, a running counter
    of the search (for a terminal, where each replaces the one before)."""
    start = time.monotonic()
    root = options.root.resolve()
    if options.engine == "llm" and complete is None:
        raise GenerationError(
            "--engine llm needs a model: set [tool.aiap] model, AIAP_MODEL or --model"
        )
    out = options.out if options.out.is_absolute() else root / options.out
    if not out.resolve().is_relative_to(root):
        raise GenerationError(f"--out {options.out}: must be inside the project ({root})")
    missing = [p for p in options.paths if not (p if p.is_absolute() else root / p).exists()]
    if missing:
        raise GenerationError(f"{missing[0]}: no such file or directory")
    files = source_files(root, options.paths or [root])
    report = GenerationReport()
    if not files:
        report.messages.append("no Python source files among the paths given")
        return report
    try:
        mode = resolve(options.sandbox)
    except SandboxUnavailable as e:
        raise GenerationError(str(e)) from None
    if mode == "none":
        report.messages.append(NONE_NOTE)
    tempdirs.sweep()
    with terminate_unwinds():
        return _generate(options, root, files, report, start, progress, complete, mode, status)


def _generate(
    options: GenOptions,
    root: Path,
    files: list[Path],
    report: GenerationReport,
    start: float,
    progress: Progress,
    complete: Complete | None,
    mode: Mode,
    status: Progress | None,
) -> GenerationReport:
    sandbox = Sandbox.create(root, options.memory_mb, mode)
    try:
        run = _Run(options, root, sandbox, progress, report, complete, status)
        coverage, carved = run.baseline(files)
        changed = changed_lines(root, options.diff_base, files) if options.diff_base else None
        modules: list[ModuleTargets] = []
        for file in files:
            rel = file.relative_to(root).as_posix()
            lines = None if changed is None else changed.get(file, set())
            try:
                modules.append(analyse(root, file, coverage.get(rel), lines))
            except TargetError as e:
                report.messages.append(str(e))
        deadline = start + options.time_budget
        for i, targets in enumerate(modules):
            # What a module leaves of its share goes to the ones after it. Its search leaves
            # time for the three filter runs of what it found.
            share = max(deadline - time.monotonic(), 0.0) / (len(modules) - i)
            search_share = share - min(0.25 * share, FILTER_RESERVE)
            report.modules.append(run.module(targets, carved.get(targets.path, {}), search_share))
    finally:
        sandbox.cleanup()
    report.seconds = time.monotonic() - start
    return report


@dataclass
class _Run:
    """One generation run: what every stage of it needs."""

    options: GenOptions
    root: Path
    sandbox: Sandbox
    progress: Progress
    report: GenerationReport
    complete: Complete | None
    status: Progress | None = None

    def baseline(
        self, files: list[Path]
    ) -> tuple[dict[str, FileCoverage], dict[str, dict[str, list[list[str]]]]]:
        """What the suite covers already, and the argument values it passed (carving)."""
        options, root, sandbox = self.options, self.root, self.sandbox
        try:
            if options.coverage_file is not None:
                return coverage_data.from_data_file(options.coverage_file, files, root), {}
            if options.coverage_xml is not None:
                return coverage_data.from_xml(options.coverage_xml, root), {}
        except CoverageDataError as e:
            raise GenerationError(str(e)) from e
        self.progress("running the test suite under coverage (no coverage data given)")
        data_file = sandbox.scratch / "suite.coverage"
        carve_file = sandbox.scratch / "carved.json"
        copies = [sandbox.root / f.relative_to(root) for f in files]
        env = sandbox.env("")
        env["AIAP_GEN_CARVE"] = str(carve_file)
        env["AIAP_GEN_CARVE_FILES"] = os.pathsep.join(str(c.resolve()) for c in copies)
        run = coverage_data.measure_suite(
            sandbox.root, env, data_file, options.suite_timeout, options.memory_mb, sandbox.mode
        )
        if run.timed_out:
            self.report.messages.append(
                f"the suite did not finish in {options.suite_timeout:g} s; "
                "coverage of the part that ran is used"
            )
        elif run.exit_code not in (0, 1, 5):
            self.report.messages.append(f"the suite run ended with exit code {run.exit_code}")
        coverage: dict[str, FileCoverage] = {}
        if data_file.exists():
            try:
                coverage = coverage_data.from_data_file(data_file, copies, sandbox.root)
            except CoverageDataError as e:
                self.report.messages.append(str(e))
        carved: dict[str, dict[str, list[list[str]]]] = {}
        if carve_file.exists():
            for name, calls in json.loads(carve_file.read_text()).items():
                try:
                    rel = Path(name).resolve().relative_to(sandbox.root.resolve()).as_posix()
                except ValueError:
                    continue
                carved[rel] = calls
        return coverage, carved

    def module(
        self, targets: ModuleTargets, carved: dict[str, list[list[str]]], budget: float
    ) -> ModuleReport:
        row = ModuleReport(
            path=targets.path,
            lines_total=len(targets.statements),
            branches_total=len(targets.branches),
            lines_before=len(targets.covered_lines),
            branches_before=len(targets.covered_branches),
            lines_after=len(targets.covered_lines),
            branches_after=len(targets.covered_branches),
        )
        if not targets.missing_lines and not targets.missing_branches:
            return row
        if self.options.engine != "llm":
            try:
                self.offline(targets, carved, budget, row)
            except SandboxError as e:
                self.report.messages.append(f"{targets.path}: {e}")
                return row
        if self.complete is not None and (targets.missing_lines or targets.missing_branches):
            self.llm(targets, self.complete, row)
        self.progress(_summary(row))
        return row

    def offline(
        self,
        targets: ModuleTargets,
        carved: dict[str, list[list[str]]],
        budget: float,
        row: ModuleReport,
    ) -> None:
        """Search, then write and filter the tests; ``targets`` keeps what is left."""
        options = self.options
        with self.sandbox.worker(
            targets.module, targets.import_root, options.candidate_timeout, targets.imported
        ) as worker:
            found = search(
                targets,
                worker.run,
                Seeder(targets, carved, options.seed),
                budget=budget,
                max_candidates=options.max_candidates,
                status=self._counter(targets.path),
            )
        row.candidates_run = found.candidates_run
        row.search_stop, row.restarts = found.stop, found.restarts
        for function, why in sorted(found.unsafe.items()):
            what = why.removeprefix(f"{PREFIX}: ")
            self.report.messages.append(
                f"{targets.path}: {function}: no test written, it tried what the sandbox "
                f"refuses ({what})"
            )
        tests = render_tests(targets, found.found)
        if tests:
            text = module_source(targets, tests, options.command)
            kept = self.filter(targets, tests, text, "", row)
            self.write(targets, kept, module_source(targets, kept, options.command), "", row)

    def _counter(self, path: str) -> Callable[[int, int], None] | None:
        status = self.status
        if status is None:
            return None
        return lambda calls, left: status(f"{path}: {calls} call(s) tried, {left} goal(s) left")

    def llm(self, targets: ModuleTargets, complete: Complete, row: ModuleReport) -> None:
        source = (self.root / targets.path).read_text(encoding="utf-8")
        functions = drivers(targets)
        imports, tests, problems = llm.llm_tests(
            targets, source, functions, complete, llm.example_test(self.root)
        )
        self.report.messages.extend(p for p in problems if p not in self.report.messages)
        if tests:
            head = header(self.options.command)
            kept = self.filter(targets, tests, llm.file_source(head, imports, tests), "_llm", row)
            self.write(targets, kept, llm.file_source(head, imports, kept), "_llm", row)

    def filter(
        self,
        targets: ModuleTargets,
        tests: list[GeneratedTest],
        text: str,
        suffix: str,
        row: ModuleReport,
    ) -> list[GeneratedTest]:
        """Judge the tests; fold the kept ones' coverage into the row and the targets."""
        out_rel = _output_path(self.root, self.options.out, targets, suffix)
        filtered = filter_tests(
            self.sandbox, targets, tests, text, out_rel, self.options.filter_timeout
        )
        row.verdicts.extend(filtered.verdicts)
        lines = (set(targets.covered_lines) | set(filtered.lines)) & set(targets.statements)
        arcs = (set(targets.covered_branches) | set(filtered.arcs)) & set(targets.branches)
        row.lines_after, row.branches_after = len(lines), len(arcs)
        targets.covered_lines[:] = sorted(lines)
        targets.covered_branches[:] = sorted(arcs)
        targets.missing_lines[:] = [n for n in targets.missing_lines if n not in lines]
        targets.missing_branches[:] = [a for a in targets.missing_branches if a not in arcs]
        return filtered.kept

    def write(
        self,
        targets: ModuleTargets,
        kept: list[GeneratedTest],
        text: str,
        suffix: str,
        row: ModuleReport,
    ) -> None:
        if not kept:
            return
        out_rel = _output_path(self.root, self.options.out, targets, suffix)
        if self.options.write:
            path = self.root / out_rel
            path.parent.mkdir(parents=True, exist_ok=True)
            laid_out, problem = layout(self.root, out_rel, text)
            if problem:
                self.report.messages.append(f"{out_rel}: {problem}")
            write_atomic(path, laid_out.encode("utf-8"), mode=new_file_mode())
        row.outputs.append(out_rel)


def _summary(row: ModuleReport) -> str:
    """The module's one progress line."""
    return (
        f"{row.path}: lines {row.lines_before}/{row.lines_total} -> "
        f"{row.lines_after}/{row.lines_total}, branches {row.branches_before}/"
        f"{row.branches_total} -> {row.branches_after}/{row.branches_total}, "
        f"{row.kept()} test(s) kept, {row.dropped()} dropped"
        + (f" (search: {row.search_stop}, {row.restarts} restart(s))" if row.search_stop else "")
    )


def _output_path(root: Path, out: Path, targets: ModuleTargets, suffix: str = "") -> str:
    """A file name under ``out`` that does not exist yet: nothing already there is replaced."""
    directory = out if out.is_absolute() else root / out
    stem = "test_gen_" + targets.module.replace(".", "_") + suffix
    name, n = f"{stem}.py", 2
    while (directory / name).exists():
        name, n = f"{stem}_{n}.py", n + 1
    return (directory / name).resolve().relative_to(root).as_posix()
