"""coverage.py in aiap's own pytest runs: one dynamic context per test, named by its node id.

Shared by the repair probe (``aiap.repair.probe``: line coverage, for localization and for the
tests a candidate must pass) and test generation's suite run (``aiap.testgen.suitecov``: branch
coverage, for the filters). Each plugin starts it when pytest imports the plugin (``-p``
plugins load before conftest.py files import the project) and registers it at configure.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest


class PerTestCoverage:
    """A pytest plugin object: measuring from its creation, each test under its own context."""

    def __init__(self, data_file: str, source: str, *, branch: bool) -> None:
        import coverage  # only in the runs that measure

        self._cov = coverage.Coverage(
            data_file=data_file, source=[source], branch=branch, config_file=False
        )
        self._cov.start()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        self._cov.switch_context(item.nodeid)
        try:
            return (yield)
        finally:
            self._cov.switch_context("")  # what runs between tests belongs to none of them

    def pytest_unconfigure(self) -> None:
        self._cov.stop()
        self._cov.save()
