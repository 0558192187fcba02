"""The sandbox's in-process half: an audit hook that refuses network, processes and stray writes.

Installed in every process that runs code under test (the search worker, and the pytest runs of
the filters through ``-p aiap.testgen.guard``), when ``AIAP_SANDBOX_WRITABLE`` names the
directories writes may go to. The OS half (a temporary copy, a wall-clock and a memory limit,
its own process group) lives in ``aiap.testgen.sandbox``. An audit hook cannot stop code that
reaches for ctypes, so it is one layer of two, not a jail.
"""

from __future__ import annotations

import os
import sys
from typing import Any

WRITABLE_ENV = "AIAP_SANDBOX_WRITABLE"
PREFIX = "aiap sandbox refused"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_NETWORK = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind"}
_PROCESSES = {
    "os.fork", "os.forkpty", "os.posix_spawn", "os.exec", "os.spawn", "os.system",
    "subprocess.Popen", "os.killpg", "pty.spawn", "resource.setrlimit",
}  # fmt: skip
_PATH_CHANGES = {
    "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
    "os.symlink", "os.link", "shutil.rmtree", "shutil.copyfile", "shutil.move",
}  # fmt: skip


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


def make_hook(roots: tuple[str, ...]) -> Any:
    pid = os.getpid()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            if _is_write(args[1], args[2]) and not _inside(args[0], roots):
                raise PermissionError(f"{PREFIX}: writing {args[0]!r} outside the sandbox")
        elif event in _NETWORK:
            raise PermissionError(f"{PREFIX}: network access ({event})")
        elif event in _PROCESSES:
            raise PermissionError(f"{PREFIX}: starting or signalling processes ({event})")
        elif event == "os.kill" and args[0] not in (pid, 0):
            raise PermissionError(f"{PREFIX}: signalling process {args[0]}")
        elif event in _PATH_CHANGES or event == "os.rename":
            paths = args[:2] if event in ("os.rename", "os.link", "os.symlink") else args[:1]
            if event.startswith("shutil."):
                paths = args[:2] if event != "shutil.rmtree" else args[:1]
            for path in paths:
                if path is not None and not _inside(path, roots):
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


# Loaded as a pytest plugin (-p aiap.testgen.guard): on at import, before any test module.
install()
