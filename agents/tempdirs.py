"""aiap's temporary directories, all in one per process: ``$TMPDIR/aiap-XXXXXXXX``, marked with
the process that made it, so that what a killed run left behind (SIGKILL, a crash, a power cut)
is removed by the next run, and so that a sandbox has one directory to make writable.

A directory is removed only when its mark names a process of this PID namespace that is gone
(its id and start time, so a reused id does not keep it); unmarked ones are never touched.
The standard library only: the forking worker imports it in the project's interpreter.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "aiap-"
MARK = ".aiap-owner"

_lock = threading.Lock()
_root: tuple[int, Path] | None = None  # (the process it is for, the directory)


def root() -> Path:
    """This process's directory for its temporary ones, made on first use and removed when
    the process exits."""
    global _root
    with _lock:
        if _root is None or _root[0] != os.getpid() or not _root[1].is_dir():
            path = Path(tempfile.mkdtemp(prefix=PREFIX)).resolve()
            (path / MARK).write_text(_identity(os.getpid()) or "")
            if _root is None or _root[0] != os.getpid():
                atexit.register(remove_root)
            _root = (os.getpid(), path)
        return _root[1]


def remove_root() -> None:
    """Remove this process's directory and everything left in it (at exit, or on SIGTERM)."""
    global _root
    with _lock:
        if _root is not None and _root[0] == os.getpid():
            shutil.rmtree(_root[1], ignore_errors=True)
            _root = None


def make(kind: str, where: Path | None = None) -> Path:
    """A new directory ``KIND-XXXXXXXX`` in ``where``, by default this process's directory."""
    return Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=where or root())).resolve()


@contextmanager
def temporary(kind: str) -> Iterator[Path]:
    """``make``, removed when the block ends."""
    path = make(kind)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep(where: Path | None = None) -> list[Path]:
    """Remove the directories of aiap runs that died without cleaning up; the ones removed."""
    removed: list[Path] = []
    base = where or Path(tempfile.gettempdir())
    try:
        entries = list(base.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        try:
            owner = (entry / MARK).read_text()
        except OSError:
            continue  # not aiap's, not marked, or being made right now
        if owner and not _alive(owner):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _identity(pid: int) -> str | None:
    """``PID START NAMESPACE``: START is the process's start time in clock ticks since boot;
    None when the process is gone. Without /proc: the pid alone."""
    if not Path("/proc").is_dir():
        return str(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    start = stat.rsplit(")", 1)[1].split()[19]
    return f"{pid} {start} {_namespace()}"


def _alive(owner: str) -> bool:
    fields = owner.split(" ", 2)
    try:
        pid = int(fields[0])
    except ValueError:
        return True  # a mark we cannot read: leave the directory alone
    if len(fields) == 3 and fields[2] != _namespace():
        return True  # made in another PID namespace (a container): its ids mean nothing here
    if len(fields) == 1:
        return not process_gone(pid)
    return _identity(pid) == owner


def process_gone(pid: int) -> bool:
    """Whether no process has the id ``pid`` (one of another user's is not gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
