"""The workspace: an isolated copy; the user's tree is never written."""

from __future__ import annotations

from pathlib import Path

from aiap.edits import edits_between
from aiap.models import CodePatch
from aiap.workspace import MAX_IGNORED_FILE_BYTES, Workspace, ignored_files, project_files
from tests.conftest import git, write_project


def test_git_project_copies_tracked_and_untracked_files_but_not_ignored_top_level_ones(
    git_repo: Path,
) -> None:
    (git_repo / ".gitignore").write_text("secret.txt\n")
    (git_repo / "tracked.py").write_text("x = 1\n")
    git(git_repo, "add", ".")
    (git_repo / "untracked.py").write_text("y = 2\n")
    (git_repo / "secret.txt").write_text("no\n")
    ws = Workspace.create(git_repo)
    try:
        copied = sorted(p.name for p in ws.root.iterdir())
        assert copied == [".gitignore", "tracked.py", "untracked.py"]
        assert ws.used_git
    finally:
        ws.cleanup()


def _copied(ws: Workspace) -> list[str]:
    return sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.is_file())


def test_git_ignored_files_in_the_packages_and_test_directories_are_copied(
    git_repo: Path,
) -> None:
    write_project(
        git_repo,
        {
            ".gitignore": "_version.py\n*.mo\n*.so\ngenerated/\ntests/data/\n",
            "src/pkg/__init__.py": "",
            "src/pkg/locale/de/LC_MESSAGES/pkg.po": "",
            "app/__init__.py": "",
            "tests/test_a.py": "",
        },
    )
    git(git_repo, "add", ".")
    ignored = {
        "src/pkg/_version.py": "version = '1.0'\n",  # written by hatch-vcs / setuptools-scm
        "src/pkg/locale/de/LC_MESSAGES/pkg.mo": "catalogue",
        "app/_speedups.cpython-311-x86_64-linux-gnu.so": "ELF",  # built in place
        "app/generated/schema_pb2.py": "X = 1\n",  # a whole ignored directory
        "app/generated/nested/data.json": "{}",
        "tests/data/sample.csv": "a,b\n",
    }
    write_project(git_repo, ignored)
    ws = Workspace.create(git_repo)
    try:
        copied = _copied(ws)
        assert set(ignored) <= set(copied)
        assert all((ws.root / rel).read_text() == text for rel, text in ignored.items())
        assert ws.messages == []
    finally:
        ws.cleanup()


def test_git_ignored_caches_venvs_build_output_and_top_level_files_are_not_copied(
    git_repo: Path,
) -> None:
    write_project(
        git_repo,
        {
            ".gitignore": (
                ".venv/\n__pycache__/\n.mypy_cache/\n.hypothesis/\nbuild/\ndist/\n*.egg-info/\n"
                ".coverage*\n.env\nnotes/\nhtmlcov/\nnode_modules/\nenv/\n*.pyc\n"
            ),
            "src/pkg/__init__.py": "",
            "tests/test_a.py": "",
        },
    )
    git(git_repo, "add", ".")
    write_project(
        git_repo,
        {
            ".venv/pyvenv.cfg": "home = /usr\n",
            ".venv/lib/site.py": "",
            "src/pkg/env/pyvenv.cfg": "home = /usr\n",  # a virtualenv of any name
            "src/pkg/env/lib/mod.py": "",
            "src/pkg/__pycache__/__init__.cpython-311.pyc": "",
            "src/pkg/old.pyc": "",
            "src/pkg/.mypy_cache/3.11/pkg.json": "",
            "src/pkg/node_modules/x/index.js": "",
            "tests/.hypothesis/examples/x": "",
            "build/lib/pkg/__init__.py": "",
            "src/pkg/build/lib/x.py": "",
            "dist/pkg-1.0.tar.gz": "",
            "src/pkg.egg-info/PKG-INFO": "",
            ".coverage": "",
            "tests/.coverage.host.123": "",
            ".env": "TOKEN=x\n",
            "notes/todo.txt": "",
            "htmlcov/index.html": "",
        },
    )
    ws = Workspace.create(git_repo)
    try:
        assert _copied(ws) == [".gitignore", "src/pkg/__init__.py", "tests/test_a.py"]
    finally:
        ws.cleanup()


def test_ignored_files_are_bounded_by_the_caps_with_code_first(git_repo: Path) -> None:
    write_project(
        git_repo,
        {".gitignore": "*.so\n_version.py\ndata/\n", "pkg/__init__.py": "", "pkg/data/.keep": ""},
    )
    git(git_repo, "add", "-f", ".")
    write_project(
        git_repo,
        {
            "pkg/_version.py": "v" * 10,
            "pkg/_ext.so": "x" * 100,
            "pkg/data/a.txt": "a" * 600,
            "pkg/data/b.txt": "b" * 600,  # beyond the total once a.txt is in
            "pkg/data/huge.bin": "h" * 2000,  # over the cap for one file
        },
    )
    known, _ = project_files(git_repo)
    chosen = ignored_files(git_repo, known, max_file_bytes=1000, max_total_bytes=1000)
    assert chosen.copied == ["pkg/_ext.so", "pkg/_version.py", "pkg/data/a.txt"]
    assert chosen.left_out == [("pkg/data/b.txt", 600), ("pkg/data/huge.bin", 2000)]
    assert chosen.message is not None and "pkg/data/huge.bin" in chosen.message


def test_ignored_files_beyond_the_file_count_cap_are_left_out(git_repo: Path) -> None:
    write_project(git_repo, {".gitignore": "*.mo\n", "pkg/__init__.py": ""})
    git(git_repo, "add", ".")
    write_project(git_repo, {f"pkg/m{i}.mo": "" for i in range(5)})
    known, _ = project_files(git_repo)
    chosen = ignored_files(git_repo, known, max_files=3)
    assert chosen.copied == ["pkg/m0.mo", "pkg/m1.mo", "pkg/m2.mo"]
    assert [rel for rel, _ in chosen.left_out] == ["pkg/m3.mo", "pkg/m4.mo"]


def test_an_ignored_file_over_the_size_cap_is_left_out_of_the_copy_and_named(
    git_repo: Path,
) -> None:
    write_project(git_repo, {".gitignore": "*.bin\n", "tests/test_a.py": ""})
    git(git_repo, "add", ".")
    with (git_repo / "tests" / "model.bin").open("wb") as f:
        f.truncate(MAX_IGNORED_FILE_BYTES + 1)  # sparse: no disk space, no write time
    ws = Workspace.create(git_repo)
    try:
        assert not (ws.root / "tests" / "model.bin").exists()
        assert len(ws.messages) == 1 and "tests/model.bin" in ws.messages[0]
    finally:
        ws.cleanup()


def test_a_directory_that_is_not_a_git_repo_is_copied_without_venvs_and_caches(
    tmp_path: Path,
) -> None:
    project = tmp_path / "proj"
    (project / "pkg" / "__pycache__").mkdir(parents=True)
    (project / "pkg" / "mod.py").write_text("x = 1\n")
    (project / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0")
    (project / "env").mkdir()
    (project / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    ws = Workspace.create(project)
    try:
        files = sorted(p.relative_to(ws.root).as_posix() for p in ws.root.rglob("*") if p.is_file())
        assert files == ["pkg/mod.py"]
        assert not ws.used_git
    finally:
        ws.cleanup()


def test_a_patched_block_changes_only_the_copy_and_is_restored(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "m.py").write_text("a = 1\n")
    ws = Workspace.create(project)
    try:
        patch = CodePatch(
            engine="t", operator="t", description="t",
            edits=edits_between("m.py", "a = 1\n", "a = 2\n"),
        )  # fmt: skip
        with ws.patched(patch):
            assert (ws.root / "m.py").read_text() == "a = 2\n"
            assert (project / "m.py").read_text() == "a = 1\n"
        assert (ws.root / "m.py").read_text() == "a = 1\n"
    finally:
        ws.cleanup()
    assert not ws.root.exists()


def test_same_size_candidates_never_run_stale_bytecode(tmp_path: Path) -> None:
    import subprocess
    import sys

    project = tmp_path / "proj"
    project.mkdir()
    (project / "m.py").write_text("x = 1\n")
    ws = Workspace.create(project)
    seen = []
    try:
        for value in ("2", "3", "1"):
            edits = edits_between("m.py", "x = 1\n", f"x = {value}\n")
            patch = CodePatch(engine="t", operator="t", description="t", edits=edits)
            with ws.patched(patch):
                out = subprocess.run(
                    [sys.executable, "-c", "import m; print(m.x)"],
                    cwd=ws.root, capture_output=True, text=True, check=True,
                )  # fmt: skip
                seen.append(out.stdout.strip())
    finally:
        ws.cleanup()
    assert seen == ["2", "3", "1"]
