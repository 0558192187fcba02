"""Latency of the pre-commit hooks, timed through real `pre-commit run`.

    python bench/hooks.py [--rounds 7]

A throw-away repository holds a 10-module project with a test file per module; the 10 modules
are staged (a 10-file commit). The hooks are installed by pre-commit from this working tree
into an isolated environment (`language: python`), as a user's machine would (the install is
done once, before timing). Timed, interleaved, medians over the rounds:

- `pre-commit run aiap-review`: review of the 10 staged files;
- `pre-commit run aiap-fix`: nothing to fix (ruff clean, the 10 test files pass);
- `pre-commit run noop`: a hook that does nothing (`true`), pre-commit's own cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGET = 1.5  # seconds, the bound for each hook

MODULE = '''\
"""{title}: records, totals and a report line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class {cls}:
    name: str
    quantity: int
    unit_cost: float

    def total(self) -> float:
        return round(self.quantity * self.unit_cost, 2)


def parse_{name}(line: str) -> {cls}:
    """Read `name;quantity;unit_cost`."""
    name, quantity, unit_cost = (part.strip() for part in line.split(";"))
    if not name:
        raise ValueError("a {name} needs a name")
    return {cls}(name, int(quantity), float(unit_cost))


def total_{name}(records: list[{cls}]) -> float:
    return round(sum(record.total() for record in records), 2)


def largest_{name}(records: list[{cls}]) -> {cls} | None:
    best = None
    for record in records:
        if best is None or record.total() > best.total():
            best = record
    return best


def report_{name}(records: list[{cls}]) -> str:
    largest = largest_{name}(records)
    head = f"{{len(records)}} {name} record(s), total {{total_{name}(records):.2f}}"
    return head if largest is None else f"{{head}}, largest {{largest.name}}"
'''

TESTS = """\
from ledger.{name} import parse_{name}, report_{name}, total_{name}


def test_a_line_is_parsed():
    record = parse_{name}("bolt; 3; 0.5")
    assert (record.name, record.quantity, record.total()) == ("bolt", 3, 1.5)


def test_the_total_adds_every_record():
    records = [parse_{name}("a;1;2"), parse_{name}("b;2;3")]
    assert total_{name}(records) == 8.0


def test_the_report_names_the_largest():
    assert report_{name}([parse_{name}("a;1;2"), parse_{name}("b;2;3")]).endswith("largest b")
"""

NAMES = [
    "invoices", "orders", "refunds", "shipments", "returns",
    "payments", "credits", "stock", "budgets", "expenses",
]  # fmt: skip


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_project(repo: Path) -> None:
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "bench@example.com")
    git(repo, "config", "user.name", "bench")
    (repo / "ledger").mkdir()
    (repo / "tests").mkdir()
    (repo / "ledger" / "__init__.py").write_text("")
    (repo / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    hooks = "\n".join(
        f"  - id: {hook}\n    name: {hook}\n    entry: {hook}\n    language: python\n"
        f"    types: [python]\n    require_serial: true\n"
        f"    additional_dependencies: [{str(ROOT)!r}]"
        for hook in ("aiap-fix", "aiap-review")
    )
    noop = "  - id: noop\n    name: noop\n    entry: 'true'\n    language: system\n"
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: local\n  hooks:\n{hooks}\n{noop}"
    )
    for name in NAMES:
        (repo / "tests" / f"test_{name}.py").write_text(TESTS.format(name=name))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "tests", "--no-verify")
    for name in NAMES:  # the 10-file commit
        module = MODULE.format(name=name, cls=name.title().rstrip("s"), title=name.title())
        (repo / "ledger" / f"{name}.py").write_text(module)
    git(repo, "add", "ledger")


def run(repo: Path, hook: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(BIN / "pre-commit"), "run", hook], cwd=repo, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"`pre-commit run {hook}` failed:\n{proc.stdout}{proc.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiap-bench-hooks-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        make_project(repo)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIAP_")}
        env["PRE_COMMIT_HOME"] = str(Path(tmp) / "pre-commit-home")
        # The project's tests run in the developer's active virtualenv (this one).
        env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
        env["VIRTUAL_ENV"] = str(BIN.parent)
        print("installing the hooks into pre-commit's environment (once, not timed)...")
        install = subprocess.run(
            [str(BIN / "pre-commit"), "install-hooks"], cwd=repo, env=env, capture_output=True
        )
        if install.returncode != 0:
            raise SystemExit(install.stdout.decode() + install.stderr.decode())
        hooks = ["noop", "aiap-review", "aiap-fix"]
        for hook in hooks:
            run(repo, hook, env)  # warm: the OS file cache, pre-commit's store
        times: dict[str, list[float]] = {hook: [] for hook in hooks}
        for _ in range(args.rounds):
            for hook in hooks:
                times[hook].append(run(repo, hook, env))
    medians = {hook: statistics.median(values) for hook, values in times.items()}
    print(f"\n10 staged files, {args.rounds} interleaved rounds, medians (wall, seconds)\n")
    print("| `pre-commit run` | median | min | max | median - noop | target |")
    print("|---|---|---|---|---|---|")
    for hook in hooks:
        values = times[hook]
        target = "" if hook == "noop" else f"< {TARGET}"
        own = medians[hook] - medians["noop"]
        print(
            f"| {hook} | {medians[hook]:.3f} | {min(values):.3f} | {max(values):.3f} "
            f"| {own:.3f} | {target} |"
        )
    ok = all(medians[h] < TARGET for h in ("aiap-review", "aiap-fix"))
    print(f"\nboth under {TARGET} s: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
