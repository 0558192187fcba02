"""The runner: pytest in a subprocess, results from JUnit XML, limits enforced."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from aiap.runner import PytestRun, run_pytest
from tests.conftest import alive_after


def _env() -> dict[str, str]:
    return dict(os.environ)


def test_outcomes_are_read_with_node_ids(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "test_a.py").write_text(
        "import pytest\n"
        "class TestK:\n    def test_ok(self): pass\n"
        "@pytest.mark.parametrize('v', [1, 2])\ndef test_p(v): assert v == 1\n"
        "@pytest.mark.skip\ndef test_s(): pass\n"
    )
    result = run_pytest(tmp_path, [], env=_env(), timeout=60)
    outcomes = {r.nodeid: r.outcome for r in result.results}
    assert outcomes == {
        "sub/test_a.py::TestK::test_ok": "passed",
        "sub/test_a.py::test_p[1]": "passed",
        "sub/test_a.py::test_p[2]": "failed",
        "sub/test_a.py::test_s": "skipped",
    }
    assert result.exit_code == 1


def test_a_test_inherited_from_a_mixin_in_another_file_keeps_its_node_id(tmp_path: Path) -> None:
    # JUnit XML names such a test by the mixin's file: the node id is carried beside it.
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text(
        "class CacheMixin:\n    def test_size(self):\n        assert self.size == 2\n"
    )
    (tmp_path / "tests" / "test_lru.py").write_text(
        "import unittest\nfrom tests import CacheMixin\n"
        "class LRUTest(CacheMixin, unittest.TestCase):\n    size = 3\n"
    )
    result = run_pytest(tmp_path, [], env=_env(), timeout=60)
    assert {r.nodeid: r.outcome for r in result.results} == {
        "tests/test_lru.py::LRUTest::test_size": "failed"
    }


def test_a_hanging_run_is_killed_at_the_timeout(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text("def test_hang():\n    while True:\n        pass\n")
    start = time.monotonic()
    result = run_pytest(tmp_path, [], env=_env(), timeout=3)
    assert result.timed_out
    assert result.results == []
    assert time.monotonic() - start < 30


def test_a_run_closed_before_its_end_leaves_no_process_and_no_file(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    (tmp_path / "test_hang.py").write_text(
        "import os, subprocess, time\n"
        "def test_hang():\n"
        "    child = subprocess.Popen(['sleep', '60'])\n"  # a grandchild too
        f"    open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "    time.sleep(60)\n"
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    run = PytestRun(tmp_path, [], env=_env(), scratch=scratch)
    while not pids.exists() or len(pids.read_text().split()) < 2:
        time.sleep(0.05)
    run.close()
    assert [pid for pid in map(int, pids.read_text().split()) if alive_after(pid, 5)] == []
    assert list(scratch.iterdir()) == []


def test_a_run_that_eats_memory_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "test_mem.py").write_text(
        "def test_eat():\n    blocks = []\n"
        "    while True:\n        blocks.append(bytearray(50_000_000))\n"
    )
    result = run_pytest(tmp_path, [], env=_env(), timeout=60, memory_mb=1024)
    assert not result.timed_out
    assert [r.outcome for r in result.results] == ["failed"]
    assert "MemoryError" in result.results[0].message


def test_the_aiap_plugin_stays_dormant_in_child_runs(tmp_path: Path) -> None:
    (tmp_path / "test_fail.py").write_text("def test_f():\n    assert False\n")
    result = run_pytest(tmp_path, ["--aiap-fix"], env=_env(), timeout=60)
    assert "aiap:" not in result.output_tail
    assert [r.outcome for r in result.results] == ["failed"]


def test_a_run_started_from_a_thread_that_blocks_signals_gets_them_unblocked(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_mask.py").write_text(
        "def test_mask():\n"
        "    line = [l for l in open('/proc/self/status') if l.startswith('SigBlk')][0]\n"
        "    blocked = int(line.split()[1], 16)\n"
        "    assert not blocked & (1 << 1 | 1 << 14)  # SIGINT (2), SIGTERM (15)\n"
    )
    results = []

    def from_a_lane_thread() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        results.append(run_pytest(tmp_path, ["-p", "no:cacheprovider"], env=_env(), timeout=60))

    thread = threading.Thread(target=from_a_lane_thread)
    thread.start()
    thread.join()
    assert [r.outcome for r in results[0].results] == ["passed"]
