"""A pytest plugin loaded into aiap's reproduction run in the workspace (``-p aiap.repair.probe``).

It records per-test line coverage (``aiap.coverage_per_test``) and, as ``probe_records``, the
traceback frames of each failure, the modules a warm worker should preload, and any file
imported from the user's tree instead of the copy. It is configured through environment
variables so the user's invocation needs no change. What only the repair needs stays here,
apart from the coverage it shares with test generation's suite run.

PYTEST_DONT_REWRITE: pytest leaves this module's asserts alone and does not warn that it was
imported before its ``-p`` (a warm worker has it already; with ``-W error`` that warning failed
every run).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator

import pytest

from aiap.coverage_per_test import PerTestCoverage
from aiap.models import Frame
from aiap.repair.probe_records import (
    COVERAGE_ENV,
    RECORDS_ENV,
    FailureRecord,
    LeakedImportsRecord,
    PreloadRecord,
    append_record,
)

_COVERAGE_DATA = os.environ.get(COVERAGE_ENV)
_RECORDS_OUT = os.environ.get(RECORDS_ENV)
_ROOT = os.environ.get("AIAP_WORKSPACE_ROOT", os.getcwd())
_ORIGINAL_ROOT = os.environ.get("AIAP_ORIGINAL_ROOT")

_coverage = PerTestCoverage(_COVERAGE_DATA, _ROOT, branch=False) if _COVERAGE_DATA else None


def pytest_configure(config: pytest.Config) -> None:
    if _coverage is not None:
        config.pluginmanager.register(_coverage, "aiap-probe-coverage")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if _RECORDS_OUT and report.failed and call.excinfo is not None:
        error = call.excinfo.value
        message = call.excinfo.exconly()
        if isinstance(error, SyntaxError):
            where = os.path.relpath(error.filename or "?", _ROOT)
            message = f"{type(error).__name__}: {error.msg} ({where}, line {error.lineno})"
        record = FailureRecord(
            nodeid=item.nodeid,
            message=message[:2000],
            error=type(error).__name__,
            frames=[
                Frame(path=str(entry.path), line=entry.lineno + 1, function=entry.name)
                for entry in call.excinfo.traceback
            ],
        )
        append_record(_RECORDS_OUT, record)
    return report


def pytest_unconfigure(config: pytest.Config) -> None:
    if not _RECORDS_OUT:
        return
    modules = [
        (name, path)
        for name, m in list(sys.modules.items())
        if (path := str(getattr(m, "__file__", "") or ""))
    ]
    # Third-party modules the run needed: a warm worker imports them once for all candidates.
    # Not this probe: it starts coverage when imported, as a later run in the worker may ask.
    preload = [
        name
        for name, path in modules
        if not path.startswith(_ROOT + os.sep) and name not in ("__main__", __name__)
    ]
    append_record(_RECORDS_OUT, PreloadRecord(modules=preload))
    if _ORIGINAL_ROOT:
        # Imports must resolve to the workspace copy, never to the user's tree.
        leaked = sorted({path for _, path in modules if path.startswith(_ORIGINAL_ROOT + os.sep)})
        if leaked:
            append_record(_RECORDS_OUT, LeakedImportsRecord(files=leaked))
