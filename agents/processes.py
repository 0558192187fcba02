"""Limits of the processes aiap starts: an address-space cap, and a process group killed whole.

Used by the test runs (runner), the forking repair worker and the test-generation sandbox. The
standard library only: the forking worker imports it in the project's interpreter.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space; a run that eats memory fails instead of the machine."""
    if not megabytes:
        return
    import resource  # POSIX only, like every caller

    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def isolated(memory_mb: int | None) -> Callable[[], None]:
    """A ``preexec_fn``: the child leads a new session (its group is killed whole, with anything
    it started) under the memory limit, with SIGINT and SIGTERM unblocked as under a plain
    pytest (a lane's thread, which starts it, blocks them for the main thread's sake)."""

    def preexec() -> None:
        os.setsid()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
        limit_memory(memory_mb)

    return preexec


def kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads; nothing when it is already gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
