"""The probe of the reproduction run: what it records, read back as typed records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from aiap.models import Frame
from aiap.repair.linecoverage import read_line_coverage
from aiap.repair.probe_records import (
    COVERAGE_ENV,
    RECORDS_ENV,
    FailureRecord,
    PreloadRecord,
    append_record,
    read_records,
)
from aiap.repair.reproduce import ProbeReport, child_env, read_probe
from aiap.runner import run_pytest
from aiap.workspace import Workspace
from tests.conftest import write_project

MOD = "import json\n\ndef double(x):\n    return x * 3\n"
TESTS = (
    "from mod import double\n\n"
    "def test_zero():\n    assert double(0) == 0\n\n"
    "def test_two():\n    assert double(2) == 4\n"
)


@dataclass
class Probed:
    report: ProbeReport
    coverage: dict[str, dict[int, set[str]]]


def _probe(project: Path, tmp: Path) -> Probed:
    """The reproduction run's probe on a copy of ``project``, read back."""
    ws = Workspace.create(project)
    try:
        records, coverage = tmp / "probe.jsonl", tmp / "coverage"
        env = {**child_env(ws, [], None), RECORDS_ENV: str(records), COVERAGE_ENV: str(coverage)}
        run_pytest(ws.root, ["-p", "aiap.repair.probe"], env=env, timeout=120)
        return Probed(read_probe(records, ws), read_line_coverage(coverage, ws.root))
    finally:
        ws.cleanup()


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Probed:
    tmp = tmp_path_factory.mktemp("probe")
    return _probe(write_project(tmp / "p", {"mod.py": MOD, "test_mod.py": TESTS}), tmp)


def test_a_failure_keeps_its_message_type_and_the_frames_inside_the_copy(probed: Probed) -> None:
    failure = probed.report.failures["test_mod.py::test_two"]
    assert failure.kind == "AssertionError"
    assert "assert 6 == 4" in failure.message
    assert failure.frames == [Frame(path="test_mod.py", line=7, function="test_two")]
    assert list(probed.report.failures) == ["test_mod.py::test_two"]


def test_modules_from_outside_the_project_are_offered_for_preloading(probed: Probed) -> None:
    assert "json" in probed.report.preload
    assert "mod" not in probed.report.preload


def test_a_run_importing_only_from_the_copy_leaks_nothing(probed: Probed) -> None:
    assert probed.report.leaked == []


def test_a_module_imported_from_the_users_tree_is_named(tmp_path: Path) -> None:
    project = tmp_path / "p"
    leaky = f"import sys\nsys.path.insert(0, {str(project)!r})\nimport helper\n\n" + TESTS
    write_project(project, {"mod.py": MOD, "helper.py": "", "test_mod.py": leaky})
    assert _probe(project, tmp_path).report.leaked == ["helper.py", "mod.py"]


def test_each_line_is_covered_under_the_node_ids_of_the_tests_that_ran_it(probed: Probed) -> None:
    lines = probed.coverage["mod.py"]
    assert lines[4] == {"test_mod.py::test_zero", "test_mod.py::test_two"}
    assert lines[1] == set()  # module level: at import, in no test


def test_records_are_read_back_in_the_order_written(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    failure = FailureRecord(nodeid="t.py::t", message="boom", error="ValueError", frames=[])
    append_record(str(out), failure)
    append_record(str(out), PreloadRecord(modules=["json"]))
    assert read_records(out) == [failure, PreloadRecord(modules=["json"])]


def test_no_file_means_no_records(tmp_path: Path) -> None:
    assert read_records(tmp_path / "missing.jsonl") == []
