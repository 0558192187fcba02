"""The sandbox's in-process half: an audit hook that refuses network, processes and stray writes.

Installed in every process that runs code under test (the search worker, and the pytest runs of
the filters through ``-p aiap.testgen.guard``), when ``AIAP_SANDBOX_WRITABLE`` names the
directories writes may go to. The OS half (a temporary copy, a wall-clock and a memory limit,
its own process group, and bubblewrap around it all where it works) lives in
``aiap.testgen.sandbox`` and ``aiap.sandbox``. An audit hook is not a jail: some calls raise no
event (``os.open`` with ``dir_fd``, ``_posixsubprocess.fork_exec``, ``pidfd_send_signal``); only
bubblewrap contains those.

Every refusal is also recorded (``REFUSED``), so code that catches the PermissionError does not
hide it: the worker reports such a call as refused, and as a pytest plugin the guard fails the
test that made it, so no kept test tries it again outside aiap.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

WRITABLE_ENV = "AIAP_SANDBOX_WRITABLE"
REFUSALS_ENV = "AIAP_SANDBOX_REFUSALS"  # where a pytest run names the tests refused anything
PREFIX = "aiap sandbox refused"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_NETWORK = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}
_PROCESSES = {
    "os.fork", "os.forkpty", "os.posix_spawn", "os.exec", "os.spawn", "os.system",
    "subprocess.Popen", "os.killpg", "pty.spawn", "resource.setrlimit",
}  # fmt: skip
_FOREIGN = {"ctypes.dlsym", "ctypes.call_function"}  # C functions: anything at all


def _inside(path: Any, roots: tuple[str, ...]) -> bool:
    if isinstance(path, int):
        return True  # an already open descriptor: its opening was checked
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return any(real == root or real.startswith(root + os.sep) for root in roots)


def _is_write(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


REFUSED: list[str] = []  # what this process was refused, in order


# Per event: (position of a path it changes, position of the directory descriptor the path is
# relative to, or None).
_CHANGED: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.chmod": ((0, 2),),
    "os.chown": ((0, 3),), "os.utime": ((0, 3),), "os.truncate": ((0, None),),
    "os.symlink": ((0, None), (1, 2)), "os.rename": ((0, 2), (1, 3)), "os.link": ((0, 2), (1, 3)),
    "shutil.rmtree": ((0, None),), "shutil.copyfile": ((0, None), (1, None)),
    "shutil.move": ((0, None), (1, None)),
}  # fmt: skip


def _changed_paths(event: str, args: tuple[Any, ...]) -> list[Any]:
    """The paths ``event`` changes, a relative one joined to its directory descriptor's path
    (shutil.rmtree works through descriptors); a path never inside where it cannot be read."""
    paths = []
    for at, fd_at in _CHANGED.get(event, ()):
        path = args[at] if len(args) > at else None
        fd = args[fd_at] if fd_at is not None and len(args) > fd_at else None
        if path is None or isinstance(path, int):
            continue
        if fd not in (None, -1, -100):  # -1: none given; -100: AT_FDCWD
            try:
                path = os.path.join(os.readlink(f"/proc/self/fd/{fd}"), os.fsdecode(path))
            except (OSError, TypeError, ValueError):
                path = "\0"  # realpath refuses it: never inside
        paths.append(path)
    return paths


def make_hook(roots: tuple[str, ...]) -> Any:
    pid = os.getpid()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        try:
            _check(event, args)
        except PermissionError as e:
            REFUSED.append(str(e))
            raise

    def _check(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            if _is_write(args[1], args[2]) and not _inside(args[0], roots):
                raise PermissionError(f"{PREFIX}: writing {args[0]!r} outside the sandbox")
        elif event in _NETWORK:
            raise PermissionError(f"{PREFIX}: network access ({event})")
        elif event in _PROCESSES:
            raise PermissionError(f"{PREFIX}: starting or signalling processes ({event})")
        elif event == "os.kill" and args[0] not in (pid, 0):
            raise PermissionError(f"{PREFIX}: signalling process {args[0]}")
        elif event in _FOREIGN:
            raise PermissionError(f"{PREFIX}: calling C functions through ctypes ({event})")
        elif event == "sqlite3.connect":
            database = args[0] if args else ":memory:"
            if database not in (":memory:", "", b":memory:") and not _inside(database, roots):
                raise PermissionError(f"{PREFIX}: a database outside the sandbox ({database!r})")
        else:
            for path in _changed_paths(event, args):
                if not _inside(path, roots):
                    raise PermissionError(f"{PREFIX}: changing {path!r} outside the sandbox")

    return hook


def install(writable: str | None = None) -> bool:
    """Install the hook for the rest of this process; False when no writable roots are set."""
    value = writable if writable is not None else os.environ.get(WRITABLE_ENV)
    if not value:
        return False
    roots = tuple(os.path.realpath(p) for p in [*value.split(os.pathsep), os.devnull] if p)
    sys.addaudithook(make_hook(roots))
    return True


_marks: dict[str, int] = {}


def pytest_runtest_setup(item: Any) -> None:
    _marks[item.nodeid] = len(REFUSED)


def pytest_runtest_teardown(item: Any) -> None:
    """A test that was refused anything is named in the refusals file, even when it caught the
    refusal (and passed): the filters drop it."""
    mark = _marks.pop(item.nodeid, len(REFUSED))
    report = os.environ.get(REFUSALS_ENV)
    if report and len(REFUSED) > mark:
        with open(report, "a", encoding="utf-8") as f:
            f.write(json.dumps({"test": item.name, "message": REFUSED[mark]}) + "\n")


# Loaded as a pytest plugin (-p aiap.testgen.guard): on at import, before any test module.
install()
