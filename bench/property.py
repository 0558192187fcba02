"""The offline engine on whole real libraries: every line of every module planned, every
planned candidate rendered (or a fixed-seed sample of them with --sample), and each rendered
candidate parsed with ``ast.parse``.

    .venv/bin/python bench/property.py                  # every candidate: very long
    .venv/bin/python bench/property.py --sample 200     # 200 candidates per module

Per library it prints the modules, the lines planned, the candidates planned and rendered,
the edits the engine skipped (grouped by reason: an operator or a render that raised, a
render that did not parse), the renders that do not parse after all, the exceptions that
escaped the engine, and the CPU seconds. The libraries are those installed with aiap's dev
extras; .pyi stubs are not Python modules and are left out (only ``*.py`` is read).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import random
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from aiap.offline.mutants import ModuleMutator

LIBRARIES = ("junitparser", "yaml", "execnet", "pre_commit", "dateutil", "click")


@dataclass
class Tally:
    modules: int = 0
    unparsed_modules: int = 0  # libcst cannot read them: the engine skips them as well
    lines: int = 0
    planned: int = 0
    rendered: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unparseable: list[str] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def library_files(name: str) -> list[Path]:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{name} is not installed")
    return sorted(Path(spec.origin).parent.rglob("*.py"))


def check_module(path: Path, sample: int, seed: int, tally: Tally) -> None:
    source = path.read_text(encoding="utf-8")
    lines = list(range(1, source.count("\n") + 2))
    try:
        mutator = ModuleMutator(source, lines)
    except cst.ParserSyntaxError:
        tally.unparsed_modules += 1
        return
    except Exception:
        tally.escaped.append(f"{path}: planning: {traceback.format_exc(limit=-1).strip()}")
        return
    tally.modules += 1
    tally.lines += len(lines)
    tally.planned += len(mutator.sites)
    sites = mutator.sites
    if sample and len(sites) > sample:
        sites = random.Random(f"{seed}:{path.name}").sample(sites, sample)
    for site in sites:
        try:
            mutant = mutator.render(site)
        except Exception:
            tally.escaped.append(f"{path}: render: {traceback.format_exc(limit=-1).strip()}")
            continue
        tally.rendered += 1
        if mutant is None:
            continue
        try:
            ast.parse(mutant.new_source)
        except SyntaxError as error:
            tally.unparseable.append(f"{path}:{mutant.description}: {error.msg}")
    tally.skipped.update(mutator.skips.reasons)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libraries", nargs="*", default=list(LIBRARIES))
    parser.add_argument("--sample", type=int, default=0, help="candidates per module (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name in args.libraries:
        tally = Tally()
        start = time.process_time()
        for path in library_files(name):
            check_module(path, args.sample, args.seed, tally)
        tally.seconds = time.process_time() - start
        print(
            f"{name}: {tally.modules} modules ({tally.unparsed_modules} libcst cannot read), "
            f"{tally.lines} lines planned, {tally.planned} candidates planned, "
            f"{tally.rendered} rendered, {sum(tally.skipped.values())} skipped, "
            f"{len(tally.unparseable)} unparseable, {len(tally.escaped)} exceptions escaped, "
            f"{tally.seconds:.1f} s CPU",
            flush=True,
        )
        for reason, count in tally.skipped.most_common():
            print(f"  skipped {count}: {reason}")
        for line in tally.unparseable[:20]:
            print(f"  unparseable: {line}")
        for line in tally.escaped[:20]:
            print(f"  escaped: {line}")


if __name__ == "__main__":
    main()
