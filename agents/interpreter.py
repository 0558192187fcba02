"""Which Python runs the project's tests, and how aiap's own test-run helpers reach it.

A pre-commit hook runs in an isolated environment of its own; the project's tests need the
project's environment. The first of these wins: ``[tool.aiap] python`` (or ``AIAP_PYTHON``),
the active virtualenv, a ``.venv/`` or ``venv/`` in the project, aiap's own interpreter.

The project's interpreter need not have aiap installed. aiap's runs there (``-p aiap.repair.probe``,
the forking worker) get a ``sitecustomize`` that *appends* aiap's import paths to ``sys.path``:
the project's own packages still win, and what only aiap has (pydantic, junitparser) is found
after them. aiap's own packages are found where this interpreter loads them from, under names
(``aiap``, ``pytest_aiap``) a project's ``agents/`` or ``prompts/`` cannot shadow.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

_AGENTS_DIR = Path(__file__).resolve().parent
BRIDGE_DIR = _AGENTS_DIR / "bridge"
BRIDGE_ENV = "AIAP_BRIDGE_PATH"  # read by bridge/sitecustomize.py
BRIDGE_PACKAGES_ENV = "AIAP_BRIDGE_PACKAGES"
OWN_PACKAGES = ("aiap", "pytest_aiap")


class ProjectPython(BaseModel):
    """The interpreter chosen for the project's tests, and why that one."""

    path: str
    source: str  # for the user: "[tool.aiap] python", "the active virtualenv", ...

    @property
    def is_own(self) -> bool:
        """The interpreter aiap runs in: nothing needs bridging."""
        return is_own_python(self.path)


class InterpreterError(Exception):
    """The configured interpreter cannot be used; the message says which and why."""


def is_own_python(python: str) -> bool:
    """Whether ``python`` is the interpreter aiap runs in: the same environment, not merely the
    same binary (every virtualenv's python links to one base interpreter, while only this
    environment has aiap)."""
    path, own = Path(python).absolute(), Path(sys.executable).absolute()
    if path.parent != own.parent:
        return False
    try:
        return os.path.samefile(path, own)  # python and python3 of one bin directory
    except OSError:
        return False


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file():
            return candidate
    return None


def _active_venv(environ: Mapping[str, str]) -> Path | None:
    """The virtualenv the user activated. pre-commit points VIRTUAL_ENV at the hook's own
    environment, so then the user's shows only as a later virtualenv ``bin`` on PATH."""
    own = Path(sys.prefix).resolve()
    venv = environ.get("VIRTUAL_ENV")
    if venv and Path(venv).resolve() != own:
        return Path(venv)
    for entry in environ.get("PATH", "").split(os.pathsep):
        if not entry:
            continue
        parent = Path(entry).parent
        if (parent / "pyvenv.cfg").is_file() and parent.resolve() != own:
            return parent
    return None


def find_project_python(
    root: Path, configured: str | None, environ: Mapping[str, str] | None = None
) -> ProjectPython:
    """The interpreter for the project's tests, following the order in the module docstring."""
    env = os.environ if environ is None else environ
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute():
            path = root / path
        if not path.is_file() or not os.access(path, os.X_OK):
            raise InterpreterError(
                f"[tool.aiap] python = {configured!r}: no executable interpreter at {path}"
            )
        return ProjectPython(path=str(path), source="[tool.aiap] python")
    active = _active_venv(env)
    if active is not None and (python := _venv_python(active)) is not None:
        return ProjectPython(path=str(python), source="the active virtualenv")
    for name in (".venv", "venv"):
        if (python := _venv_python(root / name)) is not None:
            return ProjectPython(path=str(python), source=f"the project's {name}/")
    return ProjectPython(path=sys.executable, source="aiap's own interpreter")


def _version_of(python: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def check_bridgeable(python: ProjectPython) -> str | None:
    """Why aiap's helpers cannot run in this interpreter, or None when they can.

    Compiled dependencies (pydantic-core, coverage's tracer) only load in the Python version
    they were built for.
    """
    if python.is_own:
        return None
    version = _version_of(python.path)
    if version is None:
        return f"{python.path} does not start"
    if version != sys.version_info[:2]:
        have = ".".join(map(str, version))
        own = ".".join(map(str, sys.version_info[:2]))
        return (
            f"{python.path} is Python {have} and aiap runs on Python {own}; aiap's repair "
            f"runs need the same version (install the hook with language_version: python{have})"
        )
    return None


def aiap_import_paths() -> list[str]:
    """Where this interpreter finds aiap's dependencies: appended in the project's (aiap's own
    packages go by ``aiap_package_dirs``)."""
    paths: list[str] = []
    for entry in sys.path:
        if entry and ("site-packages" in entry or "dist-packages" in entry) and entry not in paths:
            paths.append(entry)
    return paths


def aiap_package_dirs() -> dict[str, str]:
    """Where this interpreter loads aiap's own packages from (an editable install maps them
    with an import hook, so they are not under any ``sys.path`` entry)."""
    dirs = {}
    for name in OWN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs[name] = list(spec.submodule_search_locations)[0]
    return dirs


def bridged_env(env: Mapping[str, str], python: str) -> dict[str, str]:
    """``env`` for a run of aiap's helpers under ``python``; unchanged for aiap's own."""
    out = dict(env)
    if is_own_python(python):
        return out
    existing = [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p]
    out["PYTHONPATH"] = os.pathsep.join([str(BRIDGE_DIR), *existing])
    out[BRIDGE_ENV] = os.pathsep.join(aiap_import_paths())
    out[BRIDGE_PACKAGES_ENV] = os.pathsep.join(f"{k}={v}" for k, v in aiap_package_dirs().items())
    return out


def project_env(env: Mapping[str, str], python: ProjectPython) -> dict[str, str]:
    """The environment of the project's tests: its virtualenv active, as when the user runs them
    (pre-commit activates the hook's own)."""
    out = dict(env)
    bindir = Path(python.path).parent
    if (bindir.parent / "pyvenv.cfg").is_file():
        out["VIRTUAL_ENV"] = str(bindir.parent)
        out["PATH"] = os.pathsep.join([str(bindir), out.get("PATH", "")])
    return out
