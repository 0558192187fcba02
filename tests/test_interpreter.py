"""Which interpreter runs the project's tests in a hook, in the documented order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from aiap.interpreter import InterpreterError, bridged_env, find_project_python


def _venv(where: Path) -> Path:
    """A directory that looks like a virtualenv to the chooser (pyvenv.cfg, bin/python)."""
    (where / "bin").mkdir(parents=True)
    (where / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python = where / "bin" / "python"
    python.symlink_to(sys.executable)
    return python


def test_the_configured_interpreter_wins(tmp_path: Path) -> None:
    _venv(tmp_path / ".venv")
    chosen = find_project_python(tmp_path, sys.executable, {"VIRTUAL_ENV": str(tmp_path)})
    assert (chosen.path, chosen.source) == (sys.executable, "[tool.aiap] python")


def test_a_configured_path_is_relative_to_the_project(tmp_path: Path) -> None:
    python = _venv(tmp_path / "env")
    chosen = find_project_python(tmp_path, "env/bin/python", {})
    assert chosen.path == str(python)


def test_a_configured_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InterpreterError, match="no executable interpreter"):
        find_project_python(tmp_path, "missing/python", {})


def test_the_active_virtualenv_comes_before_the_projects(tmp_path: Path) -> None:
    active = _venv(tmp_path / "active")
    _venv(tmp_path / "proj" / ".venv")
    chosen = find_project_python(tmp_path / "proj", None, {"VIRTUAL_ENV": str(tmp_path / "active")})
    assert (chosen.path, chosen.source) == (str(active), "the active virtualenv")


def test_under_pre_commit_the_users_virtualenv_is_found_on_path(tmp_path: Path) -> None:
    """pre-commit sets VIRTUAL_ENV to the hook's environment (aiap's own)."""
    active = _venv(tmp_path / "active")
    env = {"VIRTUAL_ENV": sys.prefix, "PATH": os.pathsep.join(["/usr/bin", str(active.parent)])}
    chosen = find_project_python(tmp_path, None, env)
    assert chosen.path == str(active)


def test_a_venv_in_the_project_is_used_when_none_is_active(tmp_path: Path) -> None:
    python = _venv(tmp_path / "venv")
    chosen = find_project_python(tmp_path, None, {})
    assert (chosen.path, chosen.source) == (str(python), "the project's venv/")


def test_aiaps_own_interpreter_is_the_last_resort(tmp_path: Path) -> None:
    chosen = find_project_python(tmp_path, None, {})
    assert chosen.path == sys.executable and chosen.is_own


def test_only_a_foreign_interpreter_gets_the_bridge(tmp_path: Path) -> None:
    assert bridged_env({"A": "1"}, sys.executable) == {"A": "1"}
    other = _venv(tmp_path / "v").with_name("python-copy")
    other.write_bytes(b"")
    env = bridged_env({"PYTHONPATH": "/x"}, str(other))
    assert env["PYTHONPATH"].split(os.pathsep)[1:] == ["/x"]
    assert "sitecustomize.py" in os.listdir(env["PYTHONPATH"].split(os.pathsep)[0])
    assert env["AIAP_BRIDGE_PATH"]


def test_a_virtualenv_linking_to_aiaps_binary_is_still_foreign(tmp_path: Path) -> None:
    """Every virtualenv's python links to one base interpreter; only aiap's has aiap."""
    python = _venv(tmp_path / "v")
    assert os.path.samefile(python, sys.executable)
    chosen = find_project_python(tmp_path, str(python), {})
    assert not chosen.is_own
    assert "AIAP_BRIDGE_PATH" in bridged_env({}, str(python))
