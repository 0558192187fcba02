"""A pytest plugin loaded into aiap's own runs in the workspace (``-p aiap.repair.probe``).

It records per-test line coverage (one coverage.py dynamic context per test) and the traceback
frames of each failure, for localization. It is configured through environment variables so
the user's invocation needs no change.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Generator
from typing import Any

import pytest

_COVERAGE_DATA = os.environ.get("AIAP_COVERAGE_DATA")
_FRAMES_OUT = os.environ.get("AIAP_FRAMES_OUT")
_ROOT = os.environ.get("AIAP_WORKSPACE_ROOT", os.getcwd())
_ORIGINAL_ROOT = os.environ.get("AIAP_ORIGINAL_ROOT")

_cov: Any = None
if _COVERAGE_DATA:
    # Started at import time: -p plugins load before conftest.py files import the project.
    import coverage

    _cov = coverage.Coverage(
        data_file=_COVERAGE_DATA, source=[_ROOT], branch=False, config_file=False
    )
    _cov.start()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    if _cov is not None:
        _cov.switch_context(item.nodeid)
    try:
        return (yield)
    finally:
        if _cov is not None:
            _cov.switch_context("")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if _FRAMES_OUT and report.failed and call.excinfo is not None:
        frames = [
            {"path": str(entry.path), "line": entry.lineno + 1, "function": entry.name}
            for entry in call.excinfo.traceback
        ]
        error = call.excinfo.value
        message = call.excinfo.exconly()
        if isinstance(error, SyntaxError):
            where = os.path.relpath(error.filename or "?", _ROOT)
            message = f"{type(error).__name__}: {error.msg} ({where}, line {error.lineno})"
        record = {
            "nodeid": item.nodeid,
            "message": message[:2000],
            "kind": type(error).__name__,
            "frames": frames,
        }
        with open(_FRAMES_OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    return report


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cov is not None:
        _cov.stop()
        _cov.save()
    if _FRAMES_OUT:
        # Third-party modules the run needed: a warm worker imports them once for all candidates.
        preload = [
            name
            for name, m in list(sys.modules.items())
            if (path := str(getattr(m, "__file__", "") or ""))
            and not path.startswith(_ROOT + os.sep)
            and name != "__main__"
        ]
        with open(_FRAMES_OUT, "a", encoding="utf-8") as f:
            f.write(json.dumps({"preload": preload}) + "\n")
    if _FRAMES_OUT and _ORIGINAL_ROOT:
        # Imports must resolve to the workspace copy, never to the user's tree.
        leaked = sorted(
            {
                str(getattr(m, "__file__", ""))
                for m in list(sys.modules.values())
                if str(getattr(m, "__file__", "") or "").startswith(_ORIGINAL_ROOT + os.sep)
            }
        )
        if leaked:
            with open(_FRAMES_OUT, "a", encoding="utf-8") as f:
                f.write(json.dumps({"leaked_imports": leaked}) + "\n")
