"""Bad input gets a clear line in the aiap summary and leaves every file untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import alive_after
from tests.plugin_project import commit_all, run, user_files, user_pytester

BUGGY = """
    def double(x):
        return x + x + 1
"""
TEST = """
    from mod import double

    def test_double():
        assert double(2) == 4
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return user_pytester(pytester, monkeypatch)


def test_a_syntax_error_in_imported_code_is_reported_as_a_collection_error(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(mod="def double(x:\n    return x\n", test_mod=TEST)
    before = user_files(project.path)
    result = run(project, "--aiap-fix")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["aiap: collection failed in test_mod.py*"])
    assert user_files(project.path) == before


def test_a_syntax_error_in_lazily_imported_code_is_named(project: pytest.Pytester) -> None:
    project.makepyfile(
        mod="def double(x:\n    return x\n",
        test_mod="""
            def test_double():
                from mod import double
                assert double(2) == 4
        """,
    )
    before = user_files(project.path)
    result = run(project, "--aiap-fix")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["aiap: test_mod.py::test_double: SyntaxError*mod.py*"])
    assert user_files(project.path) == before


def test_a_source_that_is_not_utf8_is_left_alone(project: pytest.Pytester) -> None:
    (project.path / "mod.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nLABEL = '\xe9t\xe9'\n\ndef double(x):\n    return x + x + 1\n"
    )
    project.makepyfile(test_mod=TEST)
    before = user_files(project.path)
    result = run(project, "--aiap-fix")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["aiap: mod.py: not UTF-8; aiap leaves it alone*"])
    assert user_files(project.path) == before


def test_a_collection_error_is_reported_and_nothing_searched(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod="import missing_module")
    before = user_files(project.path)
    result = run(project, "--aiap-fix")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["aiap: collection failed in test_mod.py*"])
    result.stdout.no_fnmatch_line("*searching a patch*")
    result.stdout.no_fnmatch_line("*candidate*")
    assert user_files(project.path) == before


def test_a_test_stopped_by_a_timeout_is_named(project: pytest.Pytester) -> None:
    project.makepyfile(
        mod=BUGGY,
        test_mod="""
            import time

            def test_wait():
                time.sleep(600)
        """,
    )
    before = user_files(project.path)
    result = run(project, "--aiap-fix", "--timeout=2", "--aiap-budget=20")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["aiap: test_mod.py::test_wait: hung*"])
    assert user_files(project.path) == before


def test_a_candidate_that_hangs_is_killed_and_the_search_goes_on(project: pytest.Pytester) -> None:
    project.makepyfile(
        mod="""
            def count_down(n):
                steps = 0
                while n > 0:
                    n -= 1
                    steps += 2
                return steps
        """,
        test_mod="""
            from mod import count_down

            def test_zero():
                assert count_down(0) == 0

            def test_three():
                assert count_down(3) == 3
        """,
    )
    result = run(project, "--aiap-fix", "--aiap-timeout=2")
    result.stdout.fnmatch_lines(
        ["+        steps += 1", "aiap: * candidate(s) timed out and were killed"]
    )


def test_a_bug_that_makes_a_test_hang_is_fixed_without_waiting_out_each_hang(
    project: pytest.Pytester,
) -> None:
    # Each wrong candidate hangs too; its run is cut at a limit from the runs that did not
    # hang, not at pytest-timeout's 5 s, so the fix is reached well within the budget.
    project.makepyfile(
        mod="""
            def find(xs, target):
                lo, hi = 0, len(xs) - 1
                while lo <= hi:
                    mid = (lo + hi) // 2
                    if xs[mid] == target:
                        return mid
                    if xs[mid] < target:
                        lo = mid + 1
                    else:
                        hi = mid
                return -1
        """,
        test_mod="""
            from mod import find

            def test_found():
                assert find([1, 3, 5, 7], 5) == 2

            def test_single():
                assert find([5], 5) == 0

            def test_missing():
                assert find([1, 3, 5, 7], 0) == -1
        """,
    )
    result = run(project, "--aiap-fix", "--timeout=5", "--aiap-budget=25")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["aiap: test_mod.py::test_missing: hung*", "+            hi = mid - 1"]
    )


def test_a_directory_that_is_not_a_git_repository_is_repaired(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    result = run(project, "--aiap-fix")
    result.stdout.fnmatch_lines(["aiap: not a git repository*", "+    return x + x"])


def test_a_read_only_file_is_not_written(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    commit_all(project.path)
    os.chmod(project.path / "mod.py", 0o444)
    before = user_files(project.path)
    result = run(project, "--aiap-apply")
    result.stdout.fnmatch_lines(["aiap: mod.py: read-only; not applied*"])
    result.stdout.no_fnmatch_line("aiap: applied to*")
    assert user_files(project.path) == before


def test_a_broken_setting_is_named_and_nothing_runs(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    project.makepyprojecttoml("[tool.aiap]\nengine = 'magic'\n")
    before = user_files(project.path)
    result = run(project, "--aiap-fix")
    result.stdout.fnmatch_lines(["aiap: pyproject.toml [[]tool.aiap]: engine*"])
    result.stdout.no_fnmatch_line("*candidate(s) tried*")
    assert user_files(project.path) == before


def test_a_budget_that_is_not_a_number_is_named_and_nothing_runs(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    before = user_files(project.path)
    result = run(project, "--aiap-apply", "--aiap-budget=nan")
    result.stdout.fnmatch_lines(["aiap: command line: budget: Input should be a finite number"])
    result.stdout.no_fnmatch_line("*candidate(s) tried*")
    assert user_files(project.path) == before


def test_no_terminal_summary_says_that_nothing_was_searched(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    before = user_files(project.path)
    result = run(project, "--aiap-apply", "-p", "no:terminal")
    result.stderr.fnmatch_lines(["aiap: -p no:terminal turns off *: nothing was searched"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert user_files(project.path) == before


def test_the_llm_engine_without_a_model_says_what_to_set(project: pytest.Pytester) -> None:
    project.makepyfile(mod=BUGGY, test_mod=TEST)
    result = run(project, "--aiap-fix", "--aiap-engine=llm")
    result.stdout.fnmatch_lines(["aiap: the LLM engine needs a model: set --aiap-model*"])


# A real signal to a real process, so a subprocess of our own (pytester's runs cannot be
# signalled). The project's test hangs whenever mod.py is not the original, that is while aiap
# validates a candidate, and writes its pid to a file first: the signal comes only once the
# search is observably under way, and the search cannot end before it.
HANG_WHILE_A_CANDIDATE_RUNS = """
    import os
    import pathlib
    import time

    import mod
    from mod import double

    def test_double():
        if "x + x + 1" not in pathlib.Path(mod.__file__).read_text():
            with open({started!r}, "a") as f:
                f.write(f"{{os.getpid()}}\\n")
            time.sleep(60)
        assert double(2) == 4
"""


@pytest.fixture
def process_groups() -> Iterator[list[int]]:
    """Process groups the test started, directly or through aiap: killed at teardown, so
    nothing left of them outlives the test."""
    groups: list[int] = []
    yield groups
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def test_ctrl_c_during_the_search_changes_nothing(
    project: pytest.Pytester, tmp_path: Path, process_groups: list[int]
) -> None:
    started = tmp_path / "candidate-pids"
    project.makepyfile(mod=BUGGY, test_mod=HANG_WHILE_A_CANDIDATE_RUNS.format(started=str(started)))
    before = user_files(project.path)
    output, _ = _ctrl_c_while_a_candidate_runs(project, started, process_groups)
    output.fnmatch_lines(["aiap: interrupted; no file was changed"])
    output.no_fnmatch_line("aiap: applied to*")
    assert user_files(project.path) == before


def test_ctrl_c_during_the_search_leaves_no_candidate_running(
    project: pytest.Pytester, tmp_path: Path, process_groups: list[int]
) -> None:
    started = tmp_path / "candidate-pids"
    project.makepyfile(mod=BUGGY, test_mod=HANG_WHILE_A_CANDIDATE_RUNS.format(started=str(started)))
    _, candidates = _ctrl_c_while_a_candidate_runs(project, started, process_groups)
    assert candidates
    assert [pid for pid in candidates if alive_after(pid, 10)] == []


def _ctrl_c_while_a_candidate_runs(
    project: pytest.Pytester, started: Path, groups: list[int]
) -> tuple[pytest.LineMatcher, list[int]]:
    """Run `pytest --aiap-apply`, Ctrl-C it once a candidate has written its pid to started:
    its output, and the pids of the candidates that ran (each leads its process group; added
    to groups)."""
    output, pids, _ = _signal_while_a_candidate_runs(project, started, groups, signal.SIGINT)
    return output, pids


def _signal_while_a_candidate_runs(
    project: pytest.Pytester, started: Path, groups: list[int], signum: int
) -> tuple[pytest.LineMatcher, list[int], int]:
    """Run `pytest --aiap-apply` and send it ``signum`` once a candidate has written its pid to
    started (SIGINT to the whole foreground group, as a terminal's Ctrl-C; any other to pytest
    alone, as `kill PID`): its output, the candidates' pids (added to groups), its exit status."""
    output = started.with_name("output")
    with output.open("w") as out:
        proc = project.popen(
            # Unsandboxed: the candidate writes its pid outside aiap's copy, where a sandbox
            # would not let it (tests/test_sandbox.py checks what the sandbox contains).
            [
                *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider"),
                *("--aiap-apply", "--aiap-sandbox=none"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
            preexec_fn=_signals_as_in_a_terminal,
        )
    groups.append(proc.pid)
    _wait_for(started, proc, output, within=120)
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        os.kill(proc.pid, signum)
    status = proc.wait(timeout=60)
    pids = [int(line) for line in started.read_text().split()]
    groups.extend(pids)
    return pytest.LineMatcher(output.read_text().splitlines()), pids, status


def test_sigterm_during_the_search_removes_the_copies_and_stops_the_candidates(
    project: pytest.Pytester,
    tmp_path: Path,
    process_groups: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scratch = tmp_path / "tmpdir"  # the run's $TMPDIR: where its copies go
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    started = tmp_path / "candidate-pids"
    project.makepyfile(mod=BUGGY, test_mod=HANG_WHILE_A_CANDIDATE_RUNS.format(started=str(started)))
    before = user_files(project.path)
    assert list(scratch.glob("aiap-*")) == []
    _, candidates, status = _signal_while_a_candidate_runs(
        project, started, process_groups, signal.SIGTERM
    )
    assert status == -signal.SIGTERM  # still ended as terminated, once it had cleaned up
    assert list(scratch.glob("aiap-*")) == []
    assert candidates
    assert [pid for pid in candidates if alive_after(pid, 10)] == []
    assert user_files(project.path) == before


def _signals_as_in_a_terminal() -> None:
    """SIGINT and SIGTERM handled and unblocked, as a shell starts a job: a test runner's worker
    may pass its children an ignored or blocked SIGINT (one CI run's Ctrl-C tests both saw the
    search run to its end, as if the signal never came)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _wait_for(path: Path, proc: subprocess.Popen[bytes], output: Path, within: float) -> None:
    """Return once path exists; fail if the process ends first or `within` seconds pass."""
    deadline = time.monotonic() + within
    while not path.exists():
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                pytest.fail(f"no candidate ran within {within} s:\n{output.read_text()}")
            continue
        pytest.fail(f"pytest ended before any candidate ran:\n{output.read_text()}")
