"""Property: on the whole source trees of real libraries, the offline engine plans and renders
without an exception escaping, skips no edit, and every candidate it renders parses and is the
module libcst renders whole.

With AIAP_PROPERTY_FULL=1 every line of every module is planned and every planned candidate
rendered: millions of candidates, days (bench/property.py prints the figures). By default a
fixed-seed sample of each library's modules is planned at a fixed-seed sample of their lines,
and a fixed-seed sample of the planned candidates is rendered: planning costs some 0.3 s of CPU
per module whatever the lines, and the whole suite must stay within CI's minutes. The libraries are
installed with aiap's dev extras; only ``*.py`` files are read (.pyi stubs are not modules).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import random
from pathlib import Path

import libcst as cst
import pytest

from aiap.offline.mutants import ModuleMutator

FULL = os.environ.get("AIAP_PROPERTY_FULL") == "1"
LIBRARIES = ("junitparser", "yaml", "execnet", "pre_commit", "dateutil")
MODULES_PER_LIBRARY = 6  # by default
LINES_PER_MODULE = 4  # by default
RENDERS_PER_MODULE = 2  # by default


def _modules(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, f"{name} is a dev dependency"
    return sorted(Path(spec.origin).parent.rglob("*.py"))


@pytest.mark.parametrize("library", LIBRARIES)
def test_every_planned_candidate_renders_and_parses(library: str) -> None:
    modules = 0
    paths = _modules(library)
    if not FULL:
        paths = random.Random(library).sample(paths, min(MODULES_PER_LIBRARY, len(paths)))
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = list(range(1, source.count("\n") + 2))
        seeded = random.Random(f"{library}/{path.name}")
        if not FULL and len(lines) > LINES_PER_MODULE:
            lines = sorted(seeded.sample(lines, LINES_PER_MODULE))
        try:
            mutator = ModuleMutator(source, lines)
            reference = ModuleMutator(source, lines, splice=False)
        except cst.ParserSyntaxError:
            continue  # libcst cannot read it: the engine leaves it alone too
        modules += 1
        sites = mutator.sites
        if not FULL and len(sites) > RENDERS_PER_MODULE:
            sites = seeded.sample(sites, RENDERS_PER_MODULE)
        for site in sites:
            mutant = mutator.render(site)
            if mutant is not None:
                ast.parse(mutant.new_source, filename=f"{path}:{mutant.description}")
            # Splicing the edited node's text gives the module libcst renders whole.
            slow = reference.render(site)
            assert (mutant and mutant.new_source) == (slow and slow.new_source), site
        assert mutator.skips.count == 0, f"{path}: {dict(mutator.skips.reasons)}"
    assert modules >= 5
