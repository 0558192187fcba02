"""A pytest plugin in aiap's own runs (``-p aiap.nodeids``): each test case of the JUnit report
carries its node id.

JUnit XML names a test by the file that defines it and a dotted class name, from which the node
id cannot always be rebuilt: a test method inherited from a mixin in ``tests/__init__.py`` and
collected as ``tests/test_lfu.py::LFUCacheTest::test_copy`` reports the mixin's file. A user
property written at collection travels with every outcome, setup errors included.

PYTEST_DONT_REWRITE: pytest leaves this module's asserts alone and does not warn that it was
imported before its ``-p`` (a warm worker has it already; with ``-W error`` that warning failed
every run).
"""

from __future__ import annotations

import pytest

PROPERTY = "aiap_nodeid"


def pytest_itemcollected(item: pytest.Item) -> None:
    item.user_properties.append((PROPERTY, item.nodeid))
