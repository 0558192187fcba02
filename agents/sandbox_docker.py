"""Docker as aiap's sandbox, for machines where bubblewrap cannot make its namespaces.

A run becomes ``python -I -m aiap.sandbox_docker SPEC -- ARGV``: this launcher, a process on
the host like any other run (its group killed whole, its memory capped), starts ARGV in a
container through the Docker SDK and stands for it. The container mirrors the host's file
system read-only, as bubblewrap's sandbox does (the same interpreter, packages and paths, so
nothing is installed or built), with aiap's temporary directory and the given directories
writable, HOME and TMPDIR private, no network, its own PID namespace, a memory limit (the
launcher's own) and a process limit. Docker's sockets are hidden inside: reaching the engine is
root on the host.

Descriptors cross through named pipes (``sandbox_init`` opens them inside at their numbers), so
a pipe to a warm worker works as it does outside. The launcher holds one pipe open for as long
as it lives: when it dies, even by SIGKILL, everything in the container is killed.

The image is empty (``docker import`` of an empty archive, made once): no registry is needed.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import signal
import stat
import sys
import tarfile
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IMAGE = "aiap/empty:1"
LABEL = "aiap.sandbox.launcher"  # the launcher's PID: a container it left is removed later
PIDS = 1024  # a fork bomb stops here, not at the host's limit
_NOT_MIRRORED = {"proc", "sys", "dev"}  # the container's own
_INIT = Path(__file__).with_name("sandbox_init.py")


def launch_argv(
    argv: Sequence[str], writable: Sequence[Path], home: Path, tmpdir: Path
) -> list[str]:
    """``argv`` as it runs in a container."""
    spec = {
        "writable": [str(path) for path in writable],
        "home": str(home),
        "tmpdir": str(tmpdir),
        "masked": [str(path) for path in engine_sockets()],
    }
    return [sys.executable, "-I", "-m", "aiap.sandbox_docker", json.dumps(spec), "--", *argv]


def engine_sockets() -> list[Path]:
    """Docker's sockets on this machine: hidden from every sandboxed run (bwrap's too)."""
    candidates = [Path("/var/run/docker.sock"), Path("/run/docker.sock")]
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        candidates.append(Path(host.removeprefix("unix://")))
    if os.environ.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "docker.sock")
    found: list[Path] = []
    for path in candidates:
        try:
            if stat.S_ISSOCK(path.stat().st_mode) and path.resolve() not in found:
                found.append(path.resolve())
        except OSError:
            continue
    return found


def engine_fails() -> str | None:
    """Why no container can run here, or None (the image is made when missing)."""
    try:
        import docker
    except ImportError:
        return "the docker package is not installed (pip install 'aiap[docker]')"
    try:
        client = docker.from_env(timeout=30)
        client.ping()
        _ensure_image(client)
    except Exception as e:  # the SDK's errors carry the engine's reason
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        return f"no Docker engine answers ({reason})"
    return None


def _ensure_image(client: Any) -> None:
    import docker.errors

    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        empty = io.BytesIO()
        tarfile.open(fileobj=empty, mode="w").close()
        repository, tag = IMAGE.split(":")
        client.api.import_image_from_data(empty.getvalue(), repository=repository, tag=tag)


def _mounts(spec: dict[str, Any]) -> list[Any]:
    from docker.types import Mount

    mounts = [
        Mount(f"/{name}", f"/{name}", type="bind", read_only=True)
        for name in sorted(os.listdir("/"))
        if name not in _NOT_MIRRORED
    ]
    mounts += [Mount(path, path, type="bind") for path in spec["writable"]]
    mounts += [Mount(path, os.devnull, type="bind", read_only=True) for path in spec["masked"]]
    return mounts


# Descriptors: what the command reads ("in"), writes ("out"), or /dev/null.
def _inherited() -> dict[int, str]:
    """The descriptors the launcher was given (0-2, and those passed without close-on-exec),
    each with the direction it is relayed in."""
    found: dict[int, str] = {}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            inheritable = not fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the directory listing's own descriptor, closed by now
            continue
        if fd > 2 and not inheritable:
            continue
        mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        if target == os.devnull:
            found[fd] = "null"
        elif mode == os.O_RDONLY or (mode == os.O_RDWR and fd == 0):
            found[fd] = "in"
        else:
            found[fd] = "out"
    return found


def _copy(source: int, target: int) -> None:
    try:
        while chunk := os.read(source, 65536):
            view = memoryview(chunk)
            while view:
                view = view[os.write(target, view) :]
    except OSError:  # the other side is gone: nothing more to carry
        pass


def _relay(fd: int, direction: str, fifo: Path) -> threading.Thread:
    def run() -> None:
        if direction == "in":
            end = os.open(fifo, os.O_WRONLY)
            _copy(fd, end)
        else:
            end = os.open(fifo, os.O_RDONLY)
            _copy(end, fd)
        os.close(end)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _remove_orphans(client: Any) -> None:
    """Containers whose launcher died between making and starting them."""
    for container in client.containers.list(all=True, filters={"label": LABEL}):
        try:
            os.kill(int(container.labels[LABEL]), 0)
        except ProcessLookupError:
            container.remove(force=True)
        except (PermissionError, ValueError):
            continue


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 3 or args[1] != "--":
        print("usage: python -m aiap.sandbox_docker SPEC -- ARGV...", file=sys.stderr)
        return 2
    spec, command = json.loads(args[0]), args[2:]
    fds = _inherited()
    import docker

    pipes = Path(tempfile.mkdtemp(prefix="pipes-", dir=spec["writable"][0]))
    os.mkfifo(pipes / "alive", 0o600)
    alive = os.open(pipes / "alive", os.O_RDWR)  # held, never written: its close is the signal
    relays = []
    for fd, direction in fds.items():
        if direction != "null":
            os.mkfifo(pipes / f"fd{fd}", 0o600)
            relays.append((direction, _relay(fd, direction, pipes / f"fd{fd}")))
    environment = {**os.environ, "HOME": spec["home"], "TMPDIR": spec["tmpdir"]}
    memory = _memory_limit()
    if memory:
        environment["AIAP_SANDBOX_MEMORY"] = str(memory // (1024 * 1024))
    client = docker.from_env(timeout=60)
    _remove_orphans(client)
    layout = ",".join(f"{fd}:{direction}" for fd, direction in fds.items())
    container = client.containers.create(
        IMAGE,
        [sys.executable, "-I", "-S", str(_INIT), str(pipes), layout, "--", *command],
        mounts=_mounts(spec),
        working_dir=os.getcwd(),
        environment=environment,
        user=f"{os.getuid()}:{os.getgid()}",
        network_mode="none",
        mem_limit=memory or None,
        memswap_limit=memory or None,
        pids_limit=PIDS,
        labels={LABEL: str(os.getpid())},
        auto_remove=True,  # also when this launcher is killed and the container ends with it
    )

    def forward(signum: int, frame: object) -> None:
        try:
            container.kill(signal=signum)
        except docker.errors.APIError:  # it ended meanwhile
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        container.start()
        code = _wait(container, pipes / "status")
        for direction, thread in relays:
            if direction == "out":
                thread.join(timeout=10)
        if code != 0 and not any(d == "out" for d, _ in relays):
            sys.stderr.buffer.write(container.logs()[-4000:])
    finally:
        try:
            container.remove(force=True)
        except docker.errors.APIError:  # removed, or being removed, by the engine as it ended
            pass
        os.close(alive)
        shutil.rmtree(pipes, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # relays still blocked on an input the command never read end with it


def _wait(container: Any, status: Path) -> int:
    """The command's exit status: the init writes it down, as the engine may remove the
    container before it is asked."""
    import docker.errors

    try:
        code = int(container.wait()["StatusCode"])
    except docker.errors.NotFound:
        code = 137
    try:
        return int(status.read_text())
    except (OSError, ValueError):
        return code


def _memory_limit() -> int:
    """The address-space cap this launcher was started under (bytes; 0: none)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return 0 if soft == resource.RLIM_INFINITY else soft


if __name__ == "__main__":
    sys.exit(main())
