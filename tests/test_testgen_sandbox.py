"""The sandbox: code under test that exits, forks, hangs, deletes or phones out harms nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiap.testgen.emit import render_test
from aiap.testgen.models import Candidate, Found
from aiap.testgen.sandbox import Sandbox, SandboxError, SearchWorker
from tests.conftest import snapshot, write_project

HOSTILE = """\
import os
import shutil
import socket
import sys
import time


def exit_hard(code: int) -> None:
    os._exit(code)


def exit_soft(code: int) -> None:
    sys.exit(code)


def sleep_forever(seconds: int) -> None:
    time.sleep(1000)


def fork() -> int:
    return os.fork()


def spawn() -> int:
    import subprocess
    return subprocess.call(["true"])


def delete(path: str) -> None:
    os.remove(path)


def delete_tree(path: str) -> None:
    shutil.rmtree(path)


def write(path: str) -> None:
    with open(path, "w") as f:
        f.write("overwritten")


def connect(port: int) -> None:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()


def scratch_file() -> str:
    import tempfile
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write("fine")
    return "written"


def hog() -> int:
    return len(bytearray(64 * 1024 * 1024 * 1024))


def double(x: int) -> int:
    return 2 * x


def countdown(n: int):
    while n > 0:
        yield n
        n -= 1


def swallowed_write(path: str) -> int:
    try:
        with open(path, "w") as f:
            f.write("overwritten")
    except OSError:
        return 0
    return 1


def unlink_at(directory: str, name: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.unlink(name, dir_fd=fd)
    finally:
        os.close(fd)


def tree_in_scratch() -> int:
    import tempfile
    top = tempfile.mkdtemp()
    os.makedirs(os.path.join(top, "a", "b"))
    shutil.rmtree(top)
    return 1


def database(path: str) -> int:
    import sqlite3
    sqlite3.connect(path).execute("create table t (x)")
    return 1


def via_ctypes() -> int:
    import ctypes
    return ctypes.CDLL(None).getpid()
"""


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim.txt"
    path.write_text("precious")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"hostile.py": HOSTILE})


@pytest.fixture
def worker(project: Path) -> Iterator[SearchWorker]:
    sandbox = Sandbox.create(project, memory_mb=1024)
    try:
        with sandbox.worker("hostile", "", timeout=2.0) as w:
            yield w
    finally:
        sandbox.cleanup()


def call(function: str, *args: str) -> Candidate:
    return Candidate(function=function, args=list(args), values=list(args))


def test_a_plain_call_reports_its_lines_and_return_value(worker: SearchWorker) -> None:
    execution = worker.run(call("double", "21"))
    assert execution.outcome == "returned"
    assert execution.value == "42"
    line = HOSTILE.splitlines().index("    return 2 * x") + 1
    assert execution.lines == [line]


def test_a_generator_is_run_to_the_end_and_the_test_told_to_do_the_same(
    worker: SearchWorker,
) -> None:
    execution = worker.run(call("countdown", "3"))
    assert execution.consumed
    assert execution.value == "[3, 2, 1]"
    render = render_test(Found(candidate=call("countdown", "3"), execution=execution,
                               new_lines=[], new_arcs=[]), "test_countdown", False)  # fmt: skip
    assert "result = list(countdown(3))" in render.source


def test_os_exit_is_a_crash_and_the_next_call_gets_a_fresh_worker(worker: SearchWorker) -> None:
    assert worker.run(call("exit_hard", "3")).outcome == "crashed"
    assert worker.run(call("double", "1")).value == "2"
    assert worker.restarts == 1


def test_sys_exit_is_a_crash_not_a_test(worker: SearchWorker) -> None:
    assert worker.run(call("exit_soft", "0")).outcome == "crashed"


def test_a_call_that_sleeps_forever_is_killed_at_the_timeout(worker: SearchWorker) -> None:
    execution = worker.run(call("sleep_forever", "1"))
    assert execution.outcome == "timeout"
    assert worker.run(call("double", "2")).value == "4"


def test_fork_and_subprocesses_are_refused(worker: SearchWorker) -> None:
    assert worker.run(call("fork")).outcome == "refused"
    assert worker.run(call("spawn")).outcome == "refused"


def test_deleting_a_file_outside_the_sandbox_is_refused(worker: SearchWorker, victim: Path) -> None:
    assert worker.run(call("delete", repr(str(victim)))).outcome == "refused"
    assert worker.run(call("delete_tree", repr(str(victim.parent)))).outcome == "refused"
    assert worker.run(call("write", repr(str(victim)))).outcome == "refused"
    assert victim.read_text() == "precious"


def test_the_users_project_is_out_of_reach_too(worker: SearchWorker, project: Path) -> None:
    before = snapshot(project)
    assert worker.run(call("delete_tree", repr(str(project)))).outcome == "refused"
    assert snapshot(project) == before


def test_a_network_connection_is_refused(worker: SearchWorker) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        port = server.getsockname()[1]
        assert worker.run(call("connect", str(port))).outcome == "refused"
        with pytest.raises(TimeoutError):
            server.accept()  # nobody came


def test_temporary_files_go_to_the_sandbox_scratch(worker: SearchWorker) -> None:
    execution = worker.run(call("scratch_file"))
    assert execution.outcome == "returned"
    assert list(worker.sandbox.scratch.glob("tmp*"))


def test_a_memory_hog_hits_the_limit_and_harms_nothing(worker: SearchWorker) -> None:
    execution = worker.run(call("hog"))
    assert execution.outcome in ("raised", "crashed")
    assert worker.run(call("double", "3")).value == "6"


def test_a_module_that_fails_to_import_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"broken.py": "raise RuntimeError('no')\n"})
    sandbox = Sandbox.create(project)
    try:
        with pytest.raises(SandboxError, match="cannot import broken in the sandbox"):
            sandbox.worker("broken", "", timeout=2.0).run(call("f"))
    finally:
        sandbox.cleanup()


def test_gen_tests_on_a_hostile_module_finishes_and_touches_nothing(
    project: Path, victim: Path
) -> None:
    before = snapshot(project)
    result = subprocess.run(
        # A candidate limit, not the clock, ends the search: the same calls under any load.
        [sys.executable, "-m", "aiap.cli", "gen-tests", "hostile.py"]
        + ["--time-budget", "60", "--max-candidates", "40"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    after = snapshot(project)
    generated = after.pop("tests/generated/test_gen_hostile.py", b"").decode()
    assert after == before
    assert victim.read_text() == "precious"
    assert "double" in generated, result.stderr
    for dangerous in ("exit_hard", "exit_soft", "sleep_forever", "fork(", "spawn", "connect"):
        assert dangerous not in generated


def test_a_refusal_the_code_catches_still_marks_the_call_refused(
    worker: SearchWorker, victim: Path
) -> None:
    execution = worker.run(call("swallowed_write", repr(str(victim))))
    assert execution.outcome == "refused"
    assert "outside the sandbox" in execution.message
    assert victim.read_text() == "precious"


def test_a_path_relative_to_a_directory_descriptor_is_judged_where_it_points(
    worker: SearchWorker, victim: Path
) -> None:
    outside = call("unlink_at", repr(str(victim.parent)), repr(victim.name))
    assert worker.run(outside).outcome == "refused"
    assert victim.read_text() == "precious"
    # shutil.rmtree works through descriptors too: inside the scratch it is allowed.
    assert worker.run(call("tree_in_scratch")).outcome == "returned"


def test_a_database_outside_the_sandbox_is_refused(worker: SearchWorker, tmp_path: Path) -> None:
    target = tmp_path / "stolen.db"
    assert worker.run(call("database", repr(str(target)))).outcome == "refused"
    assert not target.exists()
    assert worker.run(call("database", repr(":memory:"))).outcome == "returned"


def test_calling_into_c_through_ctypes_is_refused(worker: SearchWorker) -> None:
    assert worker.run(call("via_ctypes")).outcome == "refused"
