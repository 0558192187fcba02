"""The keep rules, as Meta's TestGen-LLM has them: a generated test stays only when it

- imports and runs,
- passes three times, each in a fresh process (one failure of three: flaky, dropped),
- covers a target line or branch the suite did not, measured in its own run,
- asserts something (an ``assert``, or an expected exception),
- and neither writes outside ``tmp_path`` nor opens a connection nor starts processes (the
  guard refuses them and names the test, even one that caught the refusal and passed: it is
  dropped with that reason).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from pydantic import BaseModel, Field

from aiap.models import RunResult
from aiap.testgen.guard import PREFIX, REFUSALS_ENV
from aiap.testgen.models import Arc, GeneratedTest, ModuleTargets, TestVerdict, Verdict
from aiap.testgen.sandbox import Sandbox

RUNS = 3


class Filtered(BaseModel):
    kept: list[GeneratedTest] = Field(default_factory=list)
    verdicts: list[TestVerdict] = Field(default_factory=list)
    lines: list[int] = Field(default_factory=list)  # covered by the kept tests, import included
    arcs: list[Arc] = Field(default_factory=list)


def _outcomes(run: RunResult) -> dict[str, tuple[str, str]]:
    return {r.nodeid.rpartition("::")[2]: (r.outcome, r.message) for r in run.results}


def per_test_coverage(data_file: Path, source: Path) -> dict[str, tuple[set[int], set[Arc]]]:
    """Lines and arcs of ``source`` each test ran (by test name; "" for import time)."""
    from coverage import CoverageData

    if not data_file.exists():
        return {}
    data = CoverageData(basename=str(data_file))
    data.read()
    path = next((f for f in data.measured_files() if Path(f).resolve() == source.resolve()), None)
    if path is None:
        return {}
    result = {}
    for context in data.measured_contexts():
        data.set_query_contexts([context])
        lines = set(data.lines(path) or [])
        arcs = set(data.arcs(path) or [])
        result[context.rpartition("::")[2]] = (lines, arcs)
    data.set_query_contexts(None)
    return result


def filter_tests(
    sandbox: Sandbox,
    targets: ModuleTargets,
    tests: list[GeneratedTest],
    text: str,
    test_path: str,
    timeout: float,
) -> Filtered:
    """Run the file ``text`` at ``test_path`` in the sandbox and judge each of ``tests``."""
    file = sandbox.root / test_path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    data_file = sandbox.scratch / f"gen-{targets.module}.coverage"
    data_file.unlink(missing_ok=True)
    refusals = sandbox.scratch / f"gen-{targets.module}.refused.jsonl"
    refusals.unlink(missing_ok=True)
    named = {REFUSALS_ENV: str(refusals)}
    cov_env = {"AIAP_GEN_COVERAGE_DATA": str(data_file), **named}
    # The first run measures each test's coverage; the others only count passes.
    args = [test_path, "-p", "aiap.testgen.suitecov", "-q"]
    runs = [sandbox.pytest(args, targets.import_root, timeout, cov_env)]
    for _ in range(RUNS - 1):
        if runs[-1].timed_out or not runs[-1].results:
            break
        runs.append(sandbox.pytest([test_path, "-q"], targets.import_root, timeout, named))
    coverage = per_test_coverage(data_file, sandbox.root / targets.path)
    refused = _refused(refusals)
    goal_lines, goal_arcs = set(targets.missing_lines), set(targets.missing_branches)
    all_arcs = set(targets.branches)
    result = Filtered()
    covered_lines: set[int] = set()
    covered_arcs: set[Arc] = set()
    for test in tests:
        verdict: Verdict
        verdict, detail = _judge(test.name, runs)
        if test.name in refused:  # it caught the refusal, and passed: it still tried
            verdict, detail = "touches network or files", refused[test.name][:200]
        if verdict == "kept" and not _asserts(test.source):
            verdict, detail = "no assertion", "asserts nothing and expects no exception"
        if verdict == "kept":
            lines, arcs = coverage.get(test.name, (set(), set()))
            if not (lines & goal_lines or arcs & goal_arcs):
                verdict, detail = "no new coverage", "reaches no target in its own run"
            else:
                covered_lines |= lines
                covered_arcs |= arcs & all_arcs
                result.kept.append(test)
        result.verdicts.append(TestVerdict(name=test.name, verdict=verdict, detail=detail))
    if result.kept:
        at_import = coverage.get("", (set(), set()))
        covered_lines |= at_import[0]
        covered_arcs |= at_import[1] & all_arcs
    result.lines = sorted(covered_lines)
    result.arcs = sorted(covered_arcs)
    file.unlink()
    return result


def _asserts(source: str) -> bool:
    """Whether a test checks anything: an assert, or an expected exception."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True  # not this rule's to judge: the runs say it does not import
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Attribute) and node.attr in ("raises", "warns"):
            return True
    return False


def _refused(path: Path) -> dict[str, str]:
    """Test name -> the first thing the guard refused it, from the runs' refusals file."""
    found: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found.setdefault(entry["test"], entry["message"])
    return found


def _judge(name: str, runs: list[RunResult]) -> tuple[Verdict, str]:
    first = runs[0]
    if first.timed_out:
        return "timeout", "the file did not finish in time"
    outcomes = [_outcomes(run).get(name) for run in runs]
    if outcomes[0] is None:
        tail = first.output_tail.strip().splitlines()
        errors = [line[1:].strip() for line in tail if line.startswith("E ")]
        return "does not import", (errors or tail or ["not collected"])[-1][:200]
    messages = " ".join(o[1] for o in outcomes if o is not None)
    passed = [o is not None and o[0] == "passed" for o in outcomes]
    if PREFIX in messages:
        return "touches network or files", messages[:200]
    if all(passed) and len(passed) == RUNS:
        return "kept", ""
    if any(passed):
        return "flaky", f"passed {sum(passed)} of {len(passed)} runs"
    return "fails", messages[:200]
