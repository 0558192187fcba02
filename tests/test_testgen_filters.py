"""The keep rules: each generated test runs three times in fresh processes, under the guard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiap.testgen.coverage_data import FileCoverage
from aiap.testgen.filters import Filtered, filter_tests
from aiap.testgen.models import GeneratedTest
from aiap.testgen.sandbox import Sandbox
from aiap.testgen.targets import analyse
from tests.conftest import write_project

SOURCE = """\
def sign(x):
    if x < 0:
        return -1
    if x == 0:
        return 0
    return 1
"""

TESTS = {
    "test_kept": "def test_kept():\n    assert sign(-5) == -1\n",
    "test_fails": "def test_fails():\n    assert sign(-5) == 1\n",
    "test_asserts_nothing": "def test_asserts_nothing():\n    sign(-5)\n",
    "test_no_new_coverage": "def test_no_new_coverage():\n    assert sign(3) == 1\n",
    # Passes in the first process only: the marker file outlives it.
    "test_flaky": (
        "def test_flaky():\n"
        "    import os, tempfile\n"
        "    marker = os.path.join(tempfile.gettempdir(), 'flaky-marker')\n"
        "    first = not os.path.exists(marker)\n"
        "    open(marker, 'w').close()\n"
        "    assert first and sign(0) == 0\n"
    ),
    "test_network": (
        "def test_network():\n"
        "    import socket\n"
        "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "    assert sign(0) == 0\n"
    ),
    "test_writes_outside": (
        "def test_writes_outside():\n"
        "    open({outside!r}, 'w').write('x')\n"
        "    assert sign(0) == 0\n"
    ),
    "test_writes_in_tmp_path": (
        "def test_writes_in_tmp_path(tmp_path):\n"
        "    (tmp_path / 'out.txt').write_text('fine')\n"
        "    assert sign(0) == 0\n"
    ),
}


@pytest.fixture
def judged(tmp_path: Path) -> Iterator[tuple[Filtered, Path]]:
    project = write_project(tmp_path / "p", {"signs.py": SOURCE})
    outside = tmp_path / "outside.txt"
    # The suite covers the x > 0 path only.
    coverage = FileCoverage(
        statements=[1, 2, 3, 4, 5, 6],
        executed=[1, 2, 4, 6],
        executed_branches=[(2, 4), (4, 6)],
        missing_branches=[(2, 3), (4, 5)],
    )
    targets = analyse(project, project / "signs.py", coverage)
    tests = [
        GeneratedTest(name=name, source=source.format(outside=str(outside)))
        for name, source in TESTS.items()
    ]
    text = "from signs import sign\n\n\n" + "\n\n".join(t.source for t in tests)
    sandbox = Sandbox.create(project)
    try:
        yield filter_tests(sandbox, targets, tests, text, "tests/test_gen.py", 120), outside
    finally:
        sandbox.cleanup()


def verdicts(filtered: Filtered) -> dict[str, str]:
    return {v.name: v.verdict for v in filtered.verdicts}


def test_a_passing_test_that_adds_coverage_is_kept(judged: tuple[Filtered, Path]) -> None:
    assert verdicts(judged[0])["test_kept"] == "kept"


def test_a_failing_test_is_dropped(judged: tuple[Filtered, Path]) -> None:
    assert verdicts(judged[0])["test_fails"] == "fails"


def test_a_test_that_asserts_nothing_is_dropped_though_it_covers_a_target(
    judged: tuple[Filtered, Path],
) -> None:
    assert verdicts(judged[0])["test_asserts_nothing"] == "no assertion"


def test_a_test_that_covers_nothing_new_is_dropped(judged: tuple[Filtered, Path]) -> None:
    assert verdicts(judged[0])["test_no_new_coverage"] == "no new coverage"


def test_a_test_that_fails_in_a_later_fresh_process_is_dropped_as_flaky(
    judged: tuple[Filtered, Path],
) -> None:
    assert verdicts(judged[0])["test_flaky"] == "flaky"


def test_a_test_that_opens_a_connection_is_dropped(judged: tuple[Filtered, Path]) -> None:
    assert verdicts(judged[0])["test_network"] == "touches network or files"


def test_a_test_that_writes_outside_tmp_path_is_dropped_and_writes_nothing(
    judged: tuple[Filtered, Path],
) -> None:
    filtered, outside = judged
    assert verdicts(filtered)["test_writes_outside"] == "touches network or files"
    assert not outside.exists()


def test_writing_into_tmp_path_is_allowed(judged: tuple[Filtered, Path]) -> None:
    assert verdicts(judged[0])["test_writes_in_tmp_path"] == "kept"


def test_coverage_after_counts_the_kept_tests_only(judged: tuple[Filtered, Path]) -> None:
    filtered = judged[0]
    assert {t.name for t in filtered.kept} == {"test_kept", "test_writes_in_tmp_path"}
    assert {3, 5} <= set(filtered.lines)
    assert {(2, 3), (4, 5)} <= set(filtered.arcs)


def test_a_file_that_does_not_import_drops_every_test(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"signs.py": SOURCE})
    targets = analyse(project, project / "signs.py", None)
    tests = [GeneratedTest(name="test_kept", source=TESTS["test_kept"])]
    text = "from signs import no_such_name\n\n\n" + TESTS["test_kept"]
    sandbox = Sandbox.create(project)
    try:
        filtered = filter_tests(sandbox, targets, tests, text, "tests/test_gen.py", 120)
    finally:
        sandbox.cleanup()
    assert verdicts(filtered) == {"test_kept": "does not import"}
    assert "no_such_name" in filtered.verdicts[0].detail


def test_every_test_that_catches_the_same_refusal_is_dropped(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"signs.py": SOURCE})
    targets = analyse(project, project / "signs.py", None)
    outside = tmp_path / "outside.txt"
    body = (
        "    try:\n"
        f"        open({str(outside)!r}, 'w').write('x')\n"
        "    except OSError:\n"
        "        pass\n"
        "    assert sign(0) == 0\n"
    )
    tests = [GeneratedTest(name=n, source=f"def {n}():\n{body}") for n in ("test_a", "test_b")]
    text = "from signs import sign\n\n\n" + "\n\n".join(t.source for t in tests)
    sandbox = Sandbox.create(project)
    try:
        filtered = filter_tests(sandbox, targets, tests, text, "tests/test_gen.py", 120)
    finally:
        sandbox.cleanup()
    assert verdicts(filtered) == {
        "test_a": "touches network or files",
        "test_b": "touches network or files",
    }
    assert not outside.exists()
