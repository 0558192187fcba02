"""Which files are tests: never edited by a patch, never suspects of a failure."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import PurePosixPath


def is_test_file(path: str, test_files: Iterable[str] = ()) -> bool:
    name = PurePosixPath(path).name
    return (
        path in set(test_files)
        or name == "conftest.py"
        or fnmatch(name, "test_*.py")
        or fnmatch(name, "*_test.py")
    )
