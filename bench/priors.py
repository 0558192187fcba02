"""Learn the offline engine's operator priors from the bug corpus (bench/bugs/).

For each bug, every edit the engine can make at the lines its reference fix changes is rendered;
a family *applies* to the bug when it offers an edit there, and *fixes* it when one of its edits
is AST-equal to the reference fix. A family's prior is how often it fixes where it applies, with
BELIEF (what we expected before looking, as pseudo-counts worth STRENGTH bugs) mixed in, so a
corpus of a few dozen bugs corrects the belief without overfitting to itself; then scaled so the
likeliest family is 1. No test runs: this reads code only, in a few seconds.

    python bench/priors.py            # print the table and the edit-space coverage
    python bench/priors.py --write    # also write agents/offline/priors.json
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

from exact import same_ast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiap.offline.families import FAMILIES, Family  # noqa: E402
from aiap.offline.mutants import ModuleMutator  # noqa: E402

BUGS = ROOT / "bench" / "bugs"
OUT = ROOT / "agents" / "offline" / "priors.json"
NEIGHBOURS = 2  # an inserted statement or guard is planned at a line near the change
STRENGTH = 25  # pseudo-bugs the belief is worth: about as much as the corpus per family
# How likely each family is to hold a fix where it applies, relative to the others, before the
# corpus is read: common bug classes in everyday code first.
BELIEF: dict[Family, float] = {
    "comparison_operator": 1.0,
    "binary_operator": 0.8,
    "boolean_operator": 0.8,
    "augmented_assignment": 0.8,
    "constant": 0.7,
    "expression_offset": 0.6,
    "call_replacement": 0.7,
    "condition_negation": 0.5,
    "argument_swap": 0.5,
    "argument_deletion": 0.3,
    "return_value": 0.4,
    "variable_replacement": 0.45,
    "operand_insertion": 0.3,
    "ordering": 0.4,
    "call_wrap": 0.3,
    "guard": 0.35,
    "statement_insertion": 0.35,
    "statement_deletion": 0.25,
    "duplicate_deletion": 0.9,
}


def _changed_lines(old: str, new: str) -> list[int]:
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    lines: list[int] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            lines.extend(range(i1 + 1 - NEIGHBOURS, max(i2, i1 + 1) + NEIGHBOURS + 1))
    return sorted({n for n in lines if n >= 1})


def families_of(bug: Path) -> tuple[set[Family], set[Family]]:
    """(families that offer an edit at the fix's lines, families whose edit is the fix)."""
    files = json.loads((bug / "bug.json").read_text())["files"]
    applies: set[Family] = set()
    fixes: set[Family] = set()
    for rel in files:
        old = (bug / "project" / rel).read_text()
        new = (bug / "fix" / rel).read_text()
        mutator = ModuleMutator(old, _changed_lines(old, new))
        for site in mutator.sites:
            applies.add(site.operator)
            if site.operator in fixes:
                continue
            mutant = mutator.render(site)
            if mutant is not None and same_ast(mutant.new_source, new):
                fixes.add(site.operator)
    return applies, fixes


def learn(
    bugs: list[Path],
) -> tuple[dict[Family, float], int, Counter[Family], Counter[Family]]:
    applies: Counter[Family] = Counter()
    fixes: Counter[Family] = Counter()
    reachable = 0
    for bug in bugs:
        offered, fixed = families_of(bug)
        applies.update(offered)
        fixes.update(fixed)
        reachable += bool(fixed)
    base = sum(fixes.values()) / max(1, sum(applies.values()))  # a family's mean hit rate
    raw = {f: (fixes[f] + STRENGTH * base * BELIEF[f]) / (applies[f] + STRENGTH) for f in FAMILIES}
    top = max(raw.values())
    return {f: round(v / top, 3) for f, v in raw.items()}, reachable, applies, fixes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {OUT.relative_to(ROOT)}")
    args = parser.parse_args()
    bugs = sorted(p for p in BUGS.iterdir() if (p / "bug.json").exists())
    priors, reachable, applies, fixes = learn(bugs)
    print(f"{'family':<22} {'applies':>7} {'fixes':>5} {'prior':>6}")
    for family in sorted(FAMILIES, key=lambda f: -priors[f]):
        print(f"{family:<22} {applies[family]:>7} {fixes[family]:>5} {priors[family]:>6.3f}")
    print(f"reference fix in the edit space: {reachable}/{len(bugs)} bugs")
    if args.write:
        OUT.write_text(json.dumps(priors, indent=1, sort_keys=True) + "\n")
        print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
