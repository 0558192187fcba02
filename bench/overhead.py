"""What the aiap plugin costs a passing suite: plain pytest, plugin installed, --aiap-fix.

Generates a suite of passing tests in a temporary directory and times the three runs side by
side, interleaved, several rounds; prints medians (wall and CPU) and the ratios to plain pytest.

    python bench/overhead.py [--tests 1000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = {
    "plain pytest": ["-p", "no:aiap"],
    "plugin installed": [],
    "--aiap-fix": ["--aiap-fix"],
}


def make_suite(root: Path, n_tests: int, per_file: int = 50) -> None:
    (root / "calc.py").write_text(
        "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
    )
    for f in range(0, n_tests, per_file):
        lines = ["from calc import add, mul", ""]
        for i in range(f, min(f + per_file, n_tests)):
            lines += [
                f"def test_{i}():",
                f"    assert add({i}, 1) == {i + 1}",
                f"    assert mul({i}, 2) == {2 * i}",
                "",
            ]
        (root / f"test_gen_{f // per_file:03d}.py").write_text("\n".join(lines))
    (root / "pytest.ini").write_text("[pytest]\n")


def run_once(root: Path, extra: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"run {extra} failed: {proc.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="aiap-overhead-") as tmp:
        root = Path(tmp)
        make_suite(root, args.tests)
        for extra in MODES.values():  # warm the file cache
            run_once(root, extra)
        walls: dict[str, list[float]] = {m: [] for m in MODES}
        cpus: dict[str, list[float]] = {m: [] for m in MODES}
        order = list(MODES)
        for round_ in range(args.rounds):
            # Each mode takes each place in a round in turn: a place that is slower for reasons
            # of its own (caches, CPU clock) weighs on every mode alike.
            shift = round_ % len(order)
            for mode in order[shift:] + order[:shift]:
                wall, cpu = run_once(root, MODES[mode])
                walls[mode].append(wall)
                cpus[mode].append(cpu)
    base_wall = statistics.median(walls["plain pytest"])
    base_cpu = statistics.median(cpus["plain pytest"])
    print(f"{args.tests} passing tests, {args.rounds} interleaved rounds (order rotated), medians")
    print(f"{'mode':<18} {'wall s':>8} {'ratio':>7} {'cpu s':>8} {'ratio':>7}")
    for mode in MODES:
        w, c = statistics.median(walls[mode]), statistics.median(cpus[mode])
        print(f"{mode:<18} {w:8.3f} {w / base_wall:7.3f} {c:8.3f} {c / base_cpu:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
