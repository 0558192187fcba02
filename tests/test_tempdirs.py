"""aiap's temporary directories: what a run killed outright leaves, the next run removes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from aiap import tempdirs

# A run that makes a copy, says where, then waits (killed by SIGKILL: no finally block, no
# exit handler runs, its directory stays).
MAKES_A_COPY_AND_WAITS = """
import sys
from aiap import tempdirs
made = tempdirs.make("ws")
(made / "copy.py").write_text("x = 1\\n")
print(made, flush=True)
sys.stdin.read()
"""


def _run_that_made_a_copy(where: Path) -> tuple[subprocess.Popen[str], Path]:
    proc = subprocess.Popen(
        [sys.executable, "-c", MAKES_A_COPY_AND_WAITS],
        env={**os.environ, "TMPDIR": str(where)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    made = Path(proc.stdout.readline().strip())
    return proc, made


def _killed(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()


def test_a_runs_copies_are_in_its_own_marked_directory(tmp_path: Path) -> None:
    proc, made = _run_that_made_a_copy(tmp_path)
    try:
        (own,) = tmp_path.glob("aiap-*")
        assert made.parent == own
        assert (own / tempdirs.MARK).read_text().startswith(f"{proc.pid} ")
    finally:
        _killed(proc)


def test_the_directory_of_a_run_killed_outright_is_swept(tmp_path: Path) -> None:
    proc, made = _run_that_made_a_copy(tmp_path)
    _killed(proc)
    assert proc.returncode == -signal.SIGKILL
    assert made.exists()
    assert tempdirs.sweep(tmp_path) == [made.parent]
    assert list(tmp_path.iterdir()) == []


def test_the_directory_of_a_live_run_is_kept(tmp_path: Path) -> None:
    proc, made = _run_that_made_a_copy(tmp_path)
    try:
        assert tempdirs.sweep(tmp_path) == []
        assert (made / "copy.py").exists()
    finally:
        _killed(proc)


def test_a_run_that_ends_removes_its_directory(tmp_path: Path) -> None:
    proc, _ = _run_that_made_a_copy(tmp_path)
    proc.communicate("")  # stdin closed: it returns normally
    assert proc.returncode == 0
    assert list(tmp_path.iterdir()) == []


def test_a_directory_without_aiaps_mark_is_never_touched(tmp_path: Path) -> None:
    theirs = tmp_path / "aiap-theirs"
    theirs.mkdir()
    (theirs / "data").write_text("keep")
    assert tempdirs.sweep(tmp_path) == []
    assert (theirs / "data").read_text() == "keep"


def test_a_reused_process_id_does_not_keep_a_dead_runs_directory(tmp_path: Path) -> None:
    proc, made = _run_that_made_a_copy(tmp_path)
    _killed(proc)
    mark = made.parent / tempdirs.MARK
    # The id now names a live process (this one) that started at another time.
    _pid, _start, namespace = mark.read_text().split(" ", 2)
    mark.write_text(f"{os.getpid()} 1 {namespace}")
    assert tempdirs.sweep(tmp_path) == [made.parent]


def test_temporary_removes_its_directory_when_the_block_ends() -> None:
    with tempdirs.temporary("probe") as made:
        assert made.is_dir()
    assert not made.exists()
