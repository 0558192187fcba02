"""Which files are tests: never edited by a patch, never suspects of a failure."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import PurePosixPath

# Directories of test code: their helpers and mixins (tests/__init__.py, tests/helpers.py)
# judge the code as much as the test modules do.
TEST_DIRS = frozenset({"tests", "test", "testing"})


def is_test_file(path: str, test_files: Iterable[str] = ()) -> bool:
    pure = PurePosixPath(path)
    name = pure.name
    return (
        path in set(test_files)
        or name == "conftest.py"
        or fnmatch(name, "test_*.py")
        or fnmatch(name, "*_test.py")
        or not TEST_DIRS.isdisjoint(pure.parts[:-1])
    )
