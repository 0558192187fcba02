"""``aiap-fix`` keeps ruff's fixes and formatting to the lines the commit adds or changes
(``--all-lines``: the whole file); see aiap.lintfix for the rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from precommit_hooks.fix import main
from tests.conftest import git, snapshot, write_project
from tests.precommit_project import PYPROJECT, enter, stage

# Someone else's code, committed untidy: unsorted imports, a cramped tuple.
UNTOUCHED = """\
import sys
import os


def where():
    return os.getcwd(),sys.argv[0]


"""
TOTAL = "def total(items):\n    return sum(items)\n"
TOTAL_CHANGED = "def total(items, start = 0):\n    return sum(items,start)\n"
TOTAL_FIXED = "def total(items, start=0):\n    return sum(items, start)\n"
ALL_FIXED = (
    "import os\nimport sys\n\n\ndef where():\n    return os.getcwd(), sys.argv[0]\n\n\n"
    + TOTAL_FIXED
)
LEGACY = "shop/legacy.py"


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_project(git_repo, {"pyproject.toml": PYPROJECT, LEGACY: UNTOUCHED + TOTAL})
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-qm", "legacy", "--no-verify")
    return enter(git_repo, monkeypatch)


def test_only_the_changed_function_is_fixed_and_untouched_lines_stay_byte_identical(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = stage(repo, {LEGACY: UNTOUCHED + TOTAL_CHANGED})
    assert main(["--no-tests", *files]) == 1
    after = (repo / LEGACY).read_text()
    assert after == UNTOUCHED + TOTAL_FIXED
    assert after.splitlines()[:8] == UNTOUCHED.splitlines()
    out = capsys.readouterr().out
    assert re.search(
        r"shop/legacy.py: ruff: fixed 1 issue\(s\), reformatted; kept 1 of \d change\(s\), "
        "those on the staged lines",
        out,
    ), out


def test_all_lines_fixes_the_whole_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = stage(repo, {LEGACY: UNTOUCHED + TOTAL_CHANGED})
    assert main(["--no-tests", "--all-lines", *files]) == 1
    assert (repo / LEGACY).read_text() == ALL_FIXED
    assert "shop/legacy.py: ruff: fixed 1 issue(s), reformatted\n" in capsys.readouterr().out


def test_a_new_file_is_fixed_entirely(repo: Path) -> None:
    files = stage(repo, {"shop/report.py": UNTOUCHED + TOTAL_CHANGED})
    assert main(["--no-tests", *files]) == 1
    assert (repo / "shop/report.py").read_text() == ALL_FIXED


def test_a_commit_that_only_deletes_lines_leaves_the_file_untouched(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(repo, {LEGACY: UNTOUCHED.rstrip("\n") + "\n"})  # `total` deleted, nothing added
    before = snapshot(repo)
    assert main(["--no-tests", LEGACY]) == 0
    assert snapshot(repo) == before
    assert LEGACY not in capsys.readouterr().out


def test_an_import_added_to_an_unsorted_block_gets_the_block_sorted_not_duplicated(
    repo: Path,
) -> None:
    """Sorting shows as several hunks (a line moved); they are one fix, kept together."""
    zlib = "import zlib\n" + UNTOUCHED.replace("sys.argv[0]", "sys.argv[0], zlib")
    stage(repo, {LEGACY: zlib + TOTAL})
    assert main(["--no-tests", LEGACY]) == 1
    after = (repo / LEGACY).read_text()
    assert after.startswith("import os\nimport sys\nimport zlib\n\n\ndef where():\n")
    assert after.endswith(TOTAL)


def test_a_changed_line_opening_a_multiline_string_gets_both_quotes_changed(repo: Path) -> None:
    """ruff turns ''' into \"\"\" at both ends of the string; half of it would not parse."""
    write_project(repo, {"shop/notes.py": "GREETING = '''\nhello\n'''\n"})
    git(repo, "add", "shop/notes.py")
    git(repo, "commit", "-qm", "notes", "--no-verify")
    stage(repo, {"shop/notes.py": "WELCOME = '''\nhello\n'''\n"})
    assert main(["--no-tests", "shop/notes.py"]) == 1
    assert (repo / "shop/notes.py").read_text() == 'WELCOME = """\nhello\n"""\n'


def test_crlf_line_endings_are_kept_and_untouched_lines_stay_byte_identical(repo: Path) -> None:
    crlf = (UNTOUCHED + TOTAL).replace("\n", "\r\n").encode()
    (repo / LEGACY).write_bytes(crlf)
    git(repo, "commit", "-qam", "crlf", "--no-verify")
    (repo / LEGACY).write_bytes(crlf.replace(b"sum(items)", b"sum(items)+1"))
    git(repo, "add", LEGACY)
    assert main(["--no-tests", LEGACY]) == 1
    assert (repo / LEGACY).read_bytes() == crlf.replace(b"sum(items)", b"sum(items) + 1")
