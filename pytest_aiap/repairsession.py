"""The repair machinery of the plugin: collects failing reports, then runs aiap's core in the
terminal summary. Registered only under --aiap-fix; the core is imported only when a test
failed, so a green run pays for nothing but this module."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aiap.models import RunState
    from aiap.record import RunRecord
    from aiap.repair.pipeline import RepairJob

# Options whose meaning is wrong in aiap's own runs: ours, output files, process fan-out,
# run-to-run selection, debuggers.
_DROP_WITH_VALUE = {
    "--aiap-engine", "--aiap-budget", "--aiap-timeout", "--aiap-model", "--aiap-api-base",
    "-n", "--numprocesses",
    "--dist", "--maxprocesses", "--junitxml", "--junit-xml", "--resultlog",
}  # fmt: skip
_DROP_FLAGS = {
    "--aiap-fix", "--aiap-apply", "--aiap-no-cache", "--lf", "--last-failed", "--ff",
    "--failed-first",
    "--nf", "--new-first", "--sw", "--stepwise", "--sw-skip", "--stepwise-skip",
    "--pdb", "--trace", "--looponfail", "-f",
}  # fmt: skip


def strip_options(args: list[str], positional: set[str]) -> tuple[list[str], list[str]]:
    """Split the user's arguments into (options to keep, positional args)."""
    kept: list[str] = []
    found: list[str] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        name = arg.split("=", 1)[0]
        if arg in positional:
            found.append(arg)
        elif arg in _DROP_FLAGS:
            continue
        elif name in _DROP_WITH_VALUE:
            skip_next = "=" not in arg
        elif arg.startswith("-n") and arg[2:].isdigit() or arg == "-nauto":
            continue
        else:
            kept.append(arg)
    return kept, found


class RepairSession:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.failed: dict[str, str] = {}
        self.durations: dict[str, float] = {}  # every test's setup, call and teardown
        self.collection_errors: list[str] = []
        self.started = time.monotonic()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(report.nodeid or ".")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            self.failed.setdefault(report.nodeid, report.when)

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.failed and not self.collection_errors:
            return  # a green run costs nothing more
        tr = terminalreporter
        tr.section("aiap")
        try:
            self._run(tr)
        except KeyboardInterrupt:
            tr.write_line("aiap: interrupted; no file was changed", red=True)

    def _job(self) -> RepairJob:
        from aiap.config import load_config
        from aiap.repair.pipeline import RepairJob

        config = self.config
        params = config.invocation_params
        positional = (
            set(config.args) if config.args_source == pytest.Config.ArgsSource.ARGS else set()
        )
        options, found = strip_options(list(params.args), positional)
        ini = {
            key: config.getini(f"aiap_{key}")
            for key in ("engine", "budget", "timeout")
            if config.getini(f"aiap_{key}")
        }
        settings = load_config(
            config.rootpath,
            overrides={
                "engine": config.getoption("aiap_engine"),
                "budget": config.getoption("aiap_budget"),
                "timeout": config.getoption("aiap_timeout"),
                "model": config.getoption("aiap_model"),
                "api_base": config.getoption("aiap_api_base"),
                "cache": False if config.getoption("aiap_no_cache") else None,
                "sandbox": config.getoption("aiap_sandbox"),
            },
            ini=ini,
        )
        return RepairJob(
            root=config.rootpath,
            invocation_dir=params.dir,
            options=options,
            positional=found,
            failing=list(self.failed),
            config=settings,
            user_seconds=time.monotonic() - self.started,
            durations=self.durations,
            sys_path=[p for p in sys.path if p],
        )

    def _run(self, tr: pytest.TerminalReporter) -> None:
        from aiap.config import ConfigError
        from aiap.engines import EngineUnavailable
        from aiap.repair.pipeline import repair
        from aiap.sandbox import SandboxUnavailable

        if self.collection_errors:
            tr.write_line(
                "aiap: collection failed in "
                + ", ".join(self.collection_errors[:3])
                + "; aiap repairs failing tests, not modules that cannot be imported: "
                "fix the error shown above, then run again",
                yellow=True,
            )
            return
        try:
            job = self._job()
            tr.write_line(
                f"aiap: {len(job.failing)} failing test(s); searching a patch "
                f"(engine {job.config.engine}, budget {job.config.budget:.0f} s)"
            )
            state = repair(job, progress=lambda line: tr.write_line(f"aiap: {line}"))
        except (ConfigError, EngineUnavailable, SandboxUnavailable) as e:
            tr.write_line(f"aiap: {e}", red=True)
            return
        self._report(tr, state)

    def _report(self, tr: pytest.TerminalReporter, state: RunState) -> None:
        from aiap.record import RunRecord

        for message in state.messages:
            tr.write_line(f"aiap: {message}", yellow=True)
        record = RunRecord(self.config.rootpath)
        record.save(state)
        for index, patch in enumerate(state.patches, 1):
            tr.write_line(
                f"aiap: patch {index}: {patch.description} ({patch.engine}, {patch.operator})",
                green=True,
                bold=True,
            )
            tr.write(patch.diff)
        if not state.patches and state.status == "no-patch" and state.locations:
            tr.write_line("aiap: most suspicious lines:", yellow=True)
            for loc in state.locations[:5]:
                tr.write_line(f"    {loc.path}:{loc.start_line}  (score {loc.score:.2f})")
        tr.write_line(f"aiap: {state.candidates_tried} candidate(s) tried in {state.seconds:.1f} s")
        if state.llm_usage is not None:
            tr.write_line(f"aiap: {state.llm_usage.describe()}")
        if state.candidates_timed_out:
            tr.write_line(
                f"aiap: {state.candidates_timed_out} candidate(s) timed out and were killed"
            )
        for path in record.saved.values():
            tr.write_line(f"aiap: saved {path}")
        if self.config.getoption("aiap_apply"):
            self._apply(tr, state, record)
        elif state.patches:
            for patch in state.patches:
                record.shown(patch)
            tr.write_line("aiap: nothing written; rerun with --aiap-apply to write the patch")
        for problem in record.problems:
            tr.write_line(f"aiap: {problem}", yellow=True)

    def _apply(self, tr: pytest.TerminalReporter, state: RunState, record: RunRecord) -> None:
        touched: set[str] = set()
        for patch in state.patches:
            paths = {f.path for f in patch.files}
            if paths & touched:
                record.not_applied(patch, "overlaps an earlier patch")
                tr.write_line(
                    f"aiap: {patch.description}: overlaps an earlier patch; not applied, run again",
                    yellow=True,
                )
                continue
            refused = record.apply(patch)
            if refused:
                tr.write_line(f"aiap: {refused}", red=True)
                continue
            touched |= paths
            tr.write_line(
                f"aiap: applied to {', '.join(sorted(paths))} (undo: aiap undo)", green=True
            )
