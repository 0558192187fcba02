"""Limits of the processes aiap starts: an address-space cap, and a process group killed whole.

Used by the test runs (runner), the forking repair worker and the test-generation sandbox. The
standard library only: the forking worker imports it in the project's interpreter.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aiap import tempdirs


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


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the ``finally`` blocks run."""


@contextmanager
def terminate_unwinds() -> Iterator[None]:
    """During the block a SIGTERM unwinds it (its ``finally`` blocks stop aiap's workers and
    remove its copies), then ends the process as SIGTERM would have: by default it ends Python
    at once and leaves both behind. A handler the host installed is left alone."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def unwind(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the cleanup
        raise Terminated

    signal.signal(signal.SIGTERM, unwind)
    try:
        yield
    except Terminated:
        tempdirs.remove_root()  # what exit handlers would have removed
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # the status a caller expects of a terminated run
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
