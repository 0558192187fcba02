"""The first process of an aiap container: starts the command, ends with it, and ends everything
in the container when the launcher on the host is gone.

Run by the host's interpreter (mounted at its own path) with ``-I -S``: the standard library
only. Its descriptors come through named pipes in a directory both sides see; the launcher
holds the write end of ``alive`` for as long as it lives, so its death, even by SIGKILL, reaches
this process as end-of-file.

    python -I -S sandbox_init.py PIPES_DIR FD:DIRECTION[,FD:DIRECTION...] -- ARGV...
"""

from __future__ import annotations

import fcntl
import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

# Descriptors the launcher relays: "in" the command reads, "out" it writes, "null" /dev/null.
IN, OUT, NULL = "in", "out", "null"


def _kill_all() -> None:
    # PID 1 of its namespace: kill(-1) reaches every other process in the container.
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _watch(alive: int) -> None:
    while os.read(alive, 4096):
        pass
    _kill_all()
    os._exit(137)


def _open_fds(pipes: str, spec: str) -> list[int]:
    """Open every relayed descriptor at its number; the numbers, for ``pass_fds``."""
    opened: dict[int, int] = {}
    for item in filter(None, spec.split(",")):
        number, direction = item.split(":")
        path = os.path.join(pipes, f"fd{number}")
        if direction == NULL:
            fd = os.open(os.devnull, os.O_RDWR)
        else:
            fd = os.open(path, os.O_RDONLY if direction == IN else os.O_WRONLY)
        # Out of the way of the target numbers until every one is open.
        opened[int(number)] = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 256)
        os.close(fd)
    for target, high in opened.items():
        os.dup2(high, target, inheritable=True)
        os.close(high)
    return [target for target in opened if target > 2]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pipes, spec, dash, *command = args
    assert dash == "--", "usage: sandbox_init.py PIPES_DIR SPEC -- ARGV..."
    alive = os.open(os.path.join(pipes, "alive"), os.O_RDONLY)
    threading.Thread(target=_watch, args=(alive,), daemon=True).start()
    memory = os.environ.pop("AIAP_SANDBOX_MEMORY", "")
    if memory:  # the address-space cap a run has outside a container too
        limit = int(memory) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    extra = _open_fds(pipes, spec)
    child = subprocess.Popen(command, pass_fds=extra, close_fds=True)

    def forward(signum: int, frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = child.wait()
    _kill_all()  # what it left running ends with it, as under bwrap's PID namespace
    status = 128 - code if code < 0 else code
    with open(os.path.join(pipes, "status"), "w") as f:
        f.write(str(status))
    return status


if __name__ == "__main__":
    sys.exit(main())
