"""How aiap-review's time and memory grow with the size of a Python file.

Writes modules of growing size (functions and classes of its own, a shell call and an SQL
f-string in each block: findings everywhere) and runs the real ``aiap-review --all-lines`` on
each in a subprocess, then, in a git repository, a one-line staged change to the largest file
(the usual commit). Prints wall seconds and peak memory (the child's max RSS) per size, and
ruff alone on the largest file beside it.

    python bench/review_scale.py [--sizes 0.5,1,2,5] [--rounds 3]
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

BIN = Path(sys.executable).parent


def module(size: int) -> str:
    parts = ["import os\nimport subprocess\nfrom subprocess import run as sh\n\n"]
    total, i = 0, 0
    while total < size:
        block = (
            f"def handler_{i}(request, items):\n"
            f'    """Handle request {i}."""\n'
            f"    total = 0\n"
            f"    for item in items:\n"
            f"        if item.kind == 'a{i}':\n"
            f"            total += item.value * {i % 7}\n"
            f"        else:\n"
            f"            total -= len(str(item))\n"
            f'    query = f"SELECT * FROM t WHERE id = {{request.id}}"\n'
            f"    return total, query\n\n\n"
            f"class Model{i}:\n"
            f"    name = 'model{i}'\n\n"
            f"    def save(self, cmd):\n"
            f"        sh(cmd, shell=True)\n"
            f"        return self.name\n\n\n"
        )
        parts.append(block)
        total += len(block)
        i += 1
    return "".join(parts)


def measured(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak MB and exit status of one child."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, proc.returncode


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="0.5,1,2,5", help="MB, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="aiap-review-scale-") as tmp:
        root = Path(tmp)
        review = [str(BIN / "aiap-review"), "--fail-on=never"]
        print(f"{'size MB':>8} {'lines':>8} {'seconds':>8} {'peak MB':>8}  (--all-lines)")
        for mb in sizes:
            text = module(int(mb * 1_000_000))
            path = root / f"m{mb:g}.py"
            path.write_text(text)
            runs = [measured([*review, "--all-lines", path.name], root) for _ in range(args.rounds)]
            assert all(code == 0 for _, _, code in runs), runs
            print(
                f"{mb:8g} {text.count(chr(10)):8d} {statistics.median(r[0] for r in runs):8.2f}"
                f" {max(r[1] for r in runs):8.0f}"
            )
        largest = root / f"m{sizes[-1]:g}.py"
        ruff = [measured([str(BIN / "ruff"), "check", "--no-cache", "-q", largest.name], root)
                for _ in range(args.rounds)]  # fmt: skip
        seconds = statistics.median(r[0] for r in ruff)
        print(f"ruff check alone on {sizes[-1]:g} MB: {seconds:.2f} s")
        repo = root / "repo"
        repo.mkdir()
        (repo / "big.py").write_text(largest.read_text())
        git(repo, "init", "-q")
        git(repo, "add", ".")
        git(repo, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "big")
        with (repo / "big.py").open("a") as file:
            file.write("def added(request):\n    return eval(request)\n")
        git(repo, "add", "big.py")
        staged = [measured([*review, "big.py"], repo)
                  for _ in range(args.rounds)]  # fmt: skip
        print(
            f"a staged function at the end of the {sizes[-1]:g} MB file: "
            f"{statistics.median(r[0] for r in staged):.2f} s, {max(r[1] for r in staged):.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
