"""The sandbox every run of code aiap did not write goes through: the user's tests, candidate
patches, generated tests.

``bwrap`` (bubblewrap): the whole file system read-only but aiap's own temporary directory
(the copies, their scratch), a private ``TMPDIR`` and ``HOME`` in it, no network, its own PID
namespace (nothing it starts outlives it) and session. ``docker``: the same in a container
(``aiap.sandbox_docker``), with a memory and a process limit the kernel enforces; for machines
where bwrap cannot make its namespaces. ``none``: processes as they are, in a process group of
their own under a memory limit (``aiap.processes``). ``auto``: bwrap where it works, else none.
Docker's sockets are hidden from every sandboxed run: reaching the engine is root on the host.

The standard library only: the forking worker imports it in the project's interpreter.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, get_args

from aiap import tempdirs

Setting = Literal["auto", "bwrap", "docker", "none"]
Mode = Literal["bwrap", "docker", "none"]
SETTINGS: tuple[str, ...] = get_args(Setting)


class SandboxUnavailable(Exception):
    """The sandbox asked for cannot run here; the message says why, in one line."""


def resolve(setting: Setting) -> Mode:
    """The mode a setting means on this machine."""
    if setting == "none":
        return "none"
    if setting == "docker":
        from aiap import sandbox_docker

        why = sandbox_docker.engine_fails()
        if why is None:
            return "docker"
        raise SandboxUnavailable(f"sandbox = docker: {why}; start Docker or set sandbox = bwrap")
    why = _bwrap_fails()
    if why is None:
        return "bwrap"
    if setting == "auto":
        return "none"
    raise SandboxUnavailable(f"sandbox = bwrap: {why}; install bubblewrap or set sandbox = none")


def command(argv: Sequence[str], mode: Mode, writable: Sequence[Path] = ()) -> list[str]:
    """``argv`` as it runs in the sandbox ``mode``; ``writable``: directories it may write
    besides aiap's own (the project, for a run of the user's tests in place)."""
    if mode == "none":
        return list(argv)
    if mode == "docker":
        from aiap import sandbox_docker

        private = private_dirs()
        dirs = [tempdirs.root(), *writable]
        return sandbox_docker.launch_argv(argv, dirs, private["HOME"], private["TMPDIR"])
    extra = [arg for path in writable for arg in ("--bind", str(path), str(path))]
    return [_bwrap() or "bwrap", *_bwrap_args(tempdirs.root()), *extra, "--", *argv]


def private_dirs(writable: Path | None = None) -> dict[str, Path]:
    """What a bwrap run's HOME and TMPDIR point at, in aiap's temporary directory."""
    root = writable or tempdirs.root()
    private = {"HOME": root / "home", "TMPDIR": root / "tmp"}
    for path in private.values():
        path.mkdir(exist_ok=True)
    return private


def _bwrap_args(writable: Path) -> list[str]:
    # Not a tmpfs over /tmp: what the run needs may live there (a virtualenv, a PYTHONPATH
    # entry); it stays readable, and TMPDIR and HOME point into the writable directory.
    private = private_dirs(writable)
    return [
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--bind", str(writable), str(writable),
        *[arg for sock in _engine_sockets() for arg in ("--ro-bind", os.devnull, str(sock))],
        "--setenv", "HOME", str(private["HOME"]),
        "--setenv", "TMPDIR", str(private["TMPDIR"]),
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
    ]  # fmt: skip


@functools.cache
def _engine_sockets() -> list[Path]:
    from aiap import sandbox_docker

    return sandbox_docker.engine_sockets()


@functools.cache
def _bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def _bwrap_fails() -> str | None:
    """Why bwrap cannot sandbox a process here, or None: tried once per process."""
    path = _bwrap()
    if path is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        done = subprocess.run(
            [path, *_bwrap_args(tempdirs.root()), "--", "true"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bwrap could not start ({e})"
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return f"bwrap cannot make its namespaces here ({lines[-1] if lines else done.returncode})"
    return None
