"""A project installed with a real ``pip install -e .`` in a throw-away virtualenv, and
``pytest --aiap-fix`` run with that interpreter, as its developer would run it."""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

from tests.conftest import bare_venv, snapshot

BUGGY_DOUBLE = "def double(x):\n    return x + x + 1\n"
FIXED_LINE = "+    return x + x"


def venv_with_our_packages(where: Path) -> Path:
    """A virtualenv that sees this interpreter's packages (aiap, pytest, pip) through a .pth."""
    python, purelib = bare_venv(where)
    # addsitedir, not a bare path: the parent's own .pth files (aiap's editable install) count too
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    return python


def install_editable(python: Path, project: Path) -> None:
    """``pip install -e .`` with the build backends of this interpreter (no build isolation)."""
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps", "-e", "."],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip


def assert_fixed_and_untouched(python: Path, project: Path) -> None:
    """``pytest --aiap-fix tests`` shows the fix of BUGGY_DOUBLE and changes no file."""
    before = snapshot(project)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "--aiap-fix", "tests"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert FIXED_LINE in result.stdout, result.stdout + result.stderr
    assert snapshot(project) == before
