"""Which test files exercise a set of changed source files.

First from the per-test coverage map of earlier repair runs (``.aiap/coverage-map.json``), for
the files it knows: the test files whose tests ran their lines. Then from the import graph: a
test file exercises the project modules it imports, directly or through other project modules,
and those the ``conftest.py`` files above it import. A changed file no test reaches that way is
matched by name (``shop/pricing.py`` -> ``test_pricing.py`` or
``pricing_test.py``). Imports are read with the standard library's parser: it only has to list
names, and it is several times faster than a concrete syntax tree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel

from aiap.testfiles import is_test_file
from aiap.workspace import project_files

Method = Literal["changed test file", "coverage map", "import graph", "module name"]


class TestSelection(BaseModel):
    """The test files to run for the changed files, and how each was found."""

    __test__ = False  # not a pytest test class

    tests: dict[str, Method] = {}  # test file (relative to the root) -> how it was chosen
    unreached: list[str] = []  # changed source files no test exercises


def module_names(rel: str) -> list[str]:
    """The dotted names a project file can be imported as (flat layout, and src/ layout)."""
    parts = list(PurePosixPath(rel).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts:
        return []
    names = [".".join(parts)]
    if parts[0] == "src" and len(parts) > 1:
        names.append(".".join(parts[1:]))
    if len(parts) > 1 and parts[0] in ("tests", "test"):
        names.append(".".join(parts[1:]))  # a tests dir on sys.path (rootdir-relative helpers)
    return names


def _imported(rel: str, source: bytes) -> set[str]:
    """Module names a file imports; ``from a import b`` counts as ``a`` and ``a.b``."""
    try:
        tree = ast.parse(source, filename=rel)
    except (SyntaxError, ValueError):
        return set()
    package = list(PurePosixPath(rel).parent.parts)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                # `import a.b.c` runs a, a.b and a.b.c
                found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join([*up, *(node.module.split(".") if node.module else [])])
            else:
                base = node.module or ""
            if not base:
                continue
            parts = base.split(".")
            found.update(".".join(parts[: i + 1]) for i in range(len(parts)))
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _is_above(conftest: str, test: str) -> bool:
    return PurePosixPath(test).parent.is_relative_to(PurePosixPath(conftest).parent)


def _read(root: Path, rel: str) -> bytes:
    try:
        return (root / rel).read_bytes()
    except OSError:
        return b""


def select_tests(
    root: Path,
    changed: Sequence[str],
    files: Iterable[str] | None = None,
    coverage_map: dict[str, list[str]] | None = None,
) -> TestSelection:
    """Test files that exercise ``changed`` (paths relative to ``root``).

    ``files`` are the project's files (relative); by default git's tracked and untracked ones.
    ``coverage_map`` (source file -> test files that ran it) is trusted for the files it names;
    the others go through the import graph, then the module name.
    """
    all_files = list(files) if files is not None else project_files(root)[0]
    python_files = [f for f in all_files if f.endswith(".py")]
    tests = [f for f in python_files if is_test_file(f) and PurePosixPath(f).name != "conftest.py"]
    selection = TestSelection()
    mapped: set[str] = set()
    existing = set(tests)
    for rel in changed:
        # A test file since deleted or renamed is dropped; if none is left, other ways decide.
        covering = [t for t in (coverage_map or {}).get(rel, []) if t in existing]
        if covering and not is_test_file(rel):
            mapped.add(rel)
            for test in covering:
                selection.tests.setdefault(test, "coverage map")
    changed = [rel for rel in changed if rel not in mapped]
    by_module: dict[str, str] = {}
    for rel in python_files:
        for name in module_names(rel):
            by_module.setdefault(name, rel)
    imports: dict[str, set[str]] = {}

    def edges(rel: str) -> set[str]:
        if rel not in imports:
            names = _imported(rel, _read(root, rel))
            imports[rel] = {by_module[n] for n in names if n in by_module} - {rel}
        return imports[rel]

    changed_set = set(changed)
    for rel in changed:
        if rel in tests:
            selection.tests[rel] = "changed test file"
    conftests = {f for f in python_files if PurePosixPath(f).name == "conftest.py"}
    reached: set[str] = set()
    for test in tests:
        # A test also runs what the conftest.py files above it import (its fixtures).
        above = [c for c in conftests if _is_above(c, test)]
        seen = {test, *above}
        todo = [test, *above]
        while todo:
            for nxt in edges(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        hit = seen & changed_set - {test}
        if hit:
            reached |= hit
            selection.tests.setdefault(test, "import graph")
    for rel in changed:
        if rel in reached or is_test_file(rel):
            continue
        stem = PurePosixPath(rel).stem
        if stem == "__init__":
            stem = PurePosixPath(rel).parent.name
        named = [
            t for t in tests if PurePosixPath(t).name in (f"test_{stem}.py", f"{stem}_test.py")
        ]
        for test in named:
            selection.tests.setdefault(test, "module name")
        if not named:
            selection.unreached.append(rel)
    selection.tests = dict(sorted(selection.tests.items()))
    return selection
