"""Validation on every core: lanes are separate copies, checked in parallel, read in order."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from aiap.edits import edits_between
from aiap.models import CodePatch
from aiap.repair.lanes import ValidatorPool, open_lanes, start_lanes
from aiap.repair.validate import Invocation, Validator
from aiap.runner import run_pytest
from aiap.workspace import Workspace
from tests.conftest import write_project

BUGGY = "def double(x):\n    return x * 3\n"
TESTS = (
    "from mod import double\n\n"
    "def test_zero():\n    assert double(0) == 0\n\n"
    "def test_two():\n    assert double(2) == 4\n"
)
CANDIDATES = [
    "def double(x):\n    return x * 4\n",
    "def double(x):\n    return x + x\n",
    "def double(x):\n    return x - 3\n",
    "def double(x):\n    return x * 2\n",
    "def double(x):\n    return 3\n",
]


def _invocation(ws: Workspace, site: Path | None = None) -> Invocation:
    path = [str(ws.root), *([str(site)] if site else [])]
    return Invocation(
        rootdir=ws.root,
        invocation_dir=ws.root,
        options=[],
        positional=[],
        env={"PYTHONPATH": os.pathsep.join(path), "PATH": "/usr/bin:/bin"},
    )


def _patch(text: str) -> CodePatch:
    edits = edits_between("mod.py", BUGGY, text)
    return CodePatch(engine="test", operator="test", description=text, edits=edits)


@contextmanager
def _pool(
    project: Path, lanes_wanted: int, site: Path | None = None, preload: Sequence[str] = ()
) -> Iterator[ValidatorPool]:
    ws = Workspace.create(project)
    invocation = partial(_invocation, site=site)
    try:
        inv = invocation(ws)
        baseline = run_pytest(ws.root, [], env=inv.env, timeout=60)
        with open_lanes(ws, invocation, preload, lanes_wanted) as lanes:
            pool = ValidatorPool(
                [
                    Validator(
                        lane.workspace,
                        lane.invocation,
                        baseline,
                        ["test_mod.py::test_two"],
                        run=lane.run,  # the lane's warm worker, as the search uses it
                    )
                    for lane in lanes
                ]
            )
            try:
                yield pool
            finally:
                pool.close()
    finally:
        ws.cleanup()


def _verdicts(
    project: Path, lanes_wanted: int, site: Path | None = None, preload: Sequence[str] = ()
) -> list[bool]:
    with _pool(project, lanes_wanted, site, preload) as pool:
        futures = [pool.submit(_patch(text)) for text in CANDIDATES]
        return [f.result().plausible for f in futures]


def test_lanes_are_separate_copies_removed_on_close(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TESTS})
    ws = Workspace.create(project)
    try:
        with open_lanes(ws, _invocation, [], 3) as lanes:
            roots = [lane.workspace.root for lane in lanes]
            assert roots[0] == ws.root
            assert len(set(roots)) == 3
            assert all((root / "mod.py").read_text() == BUGGY for root in roots)
        assert ws.root.exists()
        assert not any(root.exists() for root in roots[1:])
    finally:
        ws.cleanup()


def test_two_lanes_give_the_verdicts_of_one_in_submission_order(tmp_path: Path) -> None:
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TESTS})
    one = _verdicts(project, 1)
    two = _verdicts(project, 2)
    assert one == [False, True, False, True, False]
    assert two == one
    assert (project / "mod.py").read_text() == BUGGY


def test_a_preloaded_library_that_imports_the_project_does_not_hide_the_candidates(
    tmp_path: Path,
) -> None:
    # freezegun imports dateutil: preloading it must not freeze dateutil's unpatched code
    site = write_project(tmp_path / "site", {"helper.py": "import mod\n\nHELPED = True\n"})
    tests = "import helper\n" + TESTS
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": tests})
    verdicts = _verdicts(project, 1, site=site, preload=["helper"])
    assert verdicts == [False, True, False, True, False]


def test_a_whole_suite_run_started_behind_checks_gives_its_verdict_when_waited_for(
    tmp_path: Path,
) -> None:
    # The search starts the first plausible patch's whole-suite run at once and goes on.
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TESTS})
    with _pool(project, 2) as pool:
        checks = [pool.submit(_patch(text)) for text in CANDIDATES]
        fixed = pool.start_confirm(_patch("def double(x):\n    return x * 2\n"))
        # Passes the failing test_two; only the whole suite sees test_zero break.
        breaking = pool.start_confirm(_patch("def double(x):\n    return x + 2\n"))
        assert [f.result().plausible for f in checks] == [False, True, False, True, False]
        assert fixed().plausible
        assert not breaking().plausible
    assert (project / "mod.py").read_text() == BUGGY


def _processes_in(roots: Sequence[Path]) -> set[int]:
    """Processes whose working directory is one of ``roots`` (Linux's /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and cwd in roots:
            found.add(int(entry.name))
    return found


def test_lanes_closed_before_they_were_ready_leave_no_worker(tmp_path: Path) -> None:
    # The reproduction found nothing to repair: the workers warming up meanwhile must go.
    project = write_project(tmp_path / "p", {"mod.py": BUGGY, "test_mod.py": TESTS})
    ws = Workspace.create(project)
    try:
        with start_lanes(ws, _invocation, 2) as start:
            roots = [w.root for w in start.workspaces]
            deadline = time.monotonic() + 30
            while len(_processes_in(roots)) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(_processes_in(roots)) == 2  # warming up, not yet asked to be ready
        assert not _processes_in(roots)
    finally:
        ws.cleanup()
