"""The reproduction run, whole against split by test file over the cores, on real libraries.

For each library of bench/realbugs (set up as for bench/realrepair.py) its first bug is planted,
the suite runs once as the user's run (its node ids and durations), then aiap's reproduction
runs in a workspace copy alternately as one process and split over the cores, ``--repeat``
times each, side by side. Printed: the median seconds of each and their ratio, and whether the
split run saw the same failures and the same per-test coverage as the whole one.

    python bench/reproduce_split.py [--only cachetools] [--repeat 3] [--cores 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from realbugs.corpus import default_cache, load_corpus, plant, setup

AIAP_ROOT = Path(__file__).resolve().parent.parent

# Runs in the library's virtualenv, where aiap is installed editable as the plugin runs it.
DRIVER = """
import json, statistics, sys, time
from pathlib import Path

from aiap.models import RunState
from aiap.repair.reproduce import child_env, reproduce
from aiap.repair.validate import Invocation
from aiap.runner import run_pytest
from aiap.workspace import Workspace

job = json.loads(sys.argv[1])
root = Path(job["root"])
start = time.monotonic()
user = run_pytest(root, [*job["options"], *job["positional"]], env=dict(__import__("os").environ),
                  timeout=900)
user_seconds = time.monotonic() - start
durations = {r.nodeid: r.duration for r in user.results}
failing = sorted(user.failed())
seen, times = {}, {1: [], job["cores"]: []}
for _ in range(job["repeat"]):
    for cores in times:
        ws = Workspace.create(root)
        try:
            inv = Invocation(rootdir=ws.root, invocation_dir=ws.root, options=job["options"],
                             positional=job["positional"], env=child_env(ws, [], None))
            began = time.monotonic()
            found = reproduce(inv, ws, failing, timeout_setting=None, user_seconds=user_seconds,
                              state=RunState(), durations=durations, cores=cores)
            times[cores].append(time.monotonic() - began)
            if found is not None:
                seen[cores] = (sorted(f.nodeid for f in found.failures),
                               {p: {str(n): sorted(ids) for n, ids in lines.items()}
                                for p, lines in found.coverage.items()})
        finally:
            ws.cleanup()
one, split = (seen.get(c) for c in times)
print(json.dumps({
    "tests": len(user.results), "failing": len(failing), "user": round(user_seconds, 1),
    "one": round(statistics.median(times[1]), 1),
    "split": round(statistics.median(times[job["cores"]]), 1),
    "same_failures": bool(one and split and one[0] == split[0]),
    "same_coverage": bool(one and split and one[1] == split[1]),
    # (file, line) pairs whose tests differ: a cache one test fills leaves the next test out
    "lines_differing": sum(
        one[1].get(p, {}).get(n) != split[1].get(p, {}).get(n)
        for p in set(one[1]) | set(split[1])
        for n in set(one[1].get(p, {})) | set(split[1].get(p, {}))
    ) if one and split else -1,
    "lines": sum(len(lines) for lines in one[1].values()) if one else 0,
}))
"""


def _options_and_positional(args: Sequence[str]) -> tuple[list[str], list[str]]:
    options: list[str] = []
    positional: list[str] = []
    takes_value = False
    for arg in args:
        if takes_value:
            options.append(arg)
            takes_value = False
        elif arg.startswith("-"):
            options.append(arg)
            takes_value = arg in ("-o", "-p", "-k", "-m")
        else:
            positional.append(arg)
    return options, positional


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="", help="libraries whose name contains this")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--cache", type=Path, default=default_cache())
    args = parser.parse_args(argv)
    print(f"{'library':<16} tests fail   user    one  split  ratio same-failures same-coverage")
    for lib in load_corpus():
        if args.only not in lib.name:
            continue
        co = setup(lib, args.cache, AIAP_ROOT)
        bug = lib.bugs[0]
        pristine = plant(co.root, bug)
        try:
            options, positional = _options_and_positional(lib.pytest_args)
            job = {
                "root": str(co.root),
                "options": options,
                "positional": positional,
                "repeat": args.repeat,
                "cores": args.cores,
            }
            done = subprocess.run(
                [str(co.python), "-c", DRIVER, json.dumps(job)],
                cwd=co.root,
                capture_output=True,
                text=True,
            )
        finally:
            (co.root / bug.file).write_bytes(pristine)
        if done.returncode != 0:
            print(f"{lib.name:<16} failed: {done.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        ratio = r["one"] / r["split"] if r["split"] else 0.0
        print(
            f"{lib.name:<16} {r['tests']:5d} {r['failing']:4d} {r['user']:6.1f} {r['one']:6.1f} "
            f"{r['split']:6.1f} {ratio:6.2f} {str(r['same_failures']):<13} {r['same_coverage']}"
            f" ({r['lines_differing']} of {r['lines']} lines differ)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
