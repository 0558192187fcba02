"""A pytest plugin for aiap's own runs (``-p aiap.testgen.suitecov``): coverage and carving.

- ``AIAP_GEN_COVERAGE_DATA``: record branch coverage of the files under the rootdir into this
  data file, one coverage.py dynamic context per test (its node id), so the filters can tell
  which generated test covers what. The measuring is ``aiap.coverage_per_test``, shared with
  the repair probe; the carving is test generation's alone.
- ``AIAP_GEN_CARVE`` and ``AIAP_GEN_CARVE_FILES``: record the literal argument values the
  functions of those files receive while the tests run, as JSON, to seed the search.

Started at import: ``-p`` plugins load before the test modules import the project.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from types import FrameType

import pytest

from aiap.coverage_per_test import PerTestCoverage

_DATA = os.environ.get("AIAP_GEN_COVERAGE_DATA")
_CARVE = os.environ.get("AIAP_GEN_CARVE")
_CARVE_FILES = {
    os.path.realpath(p) for p in os.environ.get("AIAP_GEN_CARVE_FILES", "").split(os.pathsep) if p
}
_MAX_VALUES = 12

_coverage = PerTestCoverage(_DATA, os.getcwd(), branch=True) if _DATA else None

_carved: dict[str, dict[str, list[list[str]]]] = {}


def _literal(value: object) -> str | None:
    try:
        text = repr(value)
        if len(text) > 200 or ast.literal_eval(text) != value:
            return None
    except Exception:
        return None
    return text


def _profile(frame: FrameType, event: str, arg: object) -> None:
    if event != "call":
        return
    code = frame.f_code
    if code.co_filename not in _CARVE_FILES:
        return
    per_file = _carved.setdefault(code.co_filename, {})
    calls = per_file.setdefault(code.co_qualname, [])
    if len(calls) >= _MAX_VALUES:
        return
    count = code.co_argcount + code.co_kwonlyargcount
    values = []
    for name in code.co_varnames[:count]:
        text = _literal(frame.f_locals.get(name))
        values.append(text if text is not None else "")
    if values not in calls:
        calls.append(values)


if _CARVE and _CARVE_FILES and sys.version_info >= (3, 11):  # co_qualname is 3.11+
    sys.setprofile(_profile)


def pytest_configure(config: pytest.Config) -> None:
    if _coverage is not None:
        config.pluginmanager.register(_coverage, "aiap-suitecov-coverage")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CARVE and _CARVE_FILES:
        sys.setprofile(None)
        with open(_CARVE, "w", encoding="utf-8") as f:
            json.dump(_carved, f)
