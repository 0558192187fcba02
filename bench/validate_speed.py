"""Candidates validated per second: a fresh pytest subprocess per run, the warm forking worker,
and forking workers on every core (one lane per core, each with its own workspace copy); the
first two also under each sandbox that works here (bwrap, docker), beside the same runs without.

Builds a small project with a bug (a module importing a third-party dependency, pydantic, and a
few dozen tests), takes the offline engine's first candidates for it, and validates the same
list each way, interleaved, in one run. Prints candidates/second for each and the ratios.

    python bench/validate_speed.py [--candidates 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiap.edits import edits_between
from aiap.models import CodePatch
from aiap.offline.mutants import mutants_for_lines
from aiap.repair.forkserver import ForkServer
from aiap.repair.lanes import ValidatorPool, lane_count, open_lanes
from aiap.repair.probe_records import RECORDS_ENV, PreloadRecord, read_records
from aiap.repair.validate import Invocation, SubprocessRuns, Validator
from aiap.runner import run_pytest
from aiap.sandbox import Mode, SandboxUnavailable, resolve
from aiap.workspace import Workspace

MODULE = '''"""Invoices with line items, taxes and discounts."""

from pydantic import BaseModel


class Item(BaseModel):
    name: str
    unit_price: float
    quantity: int


def subtotal(items: list[Item]) -> float:
    total = 0.0
    for item in items:
        total += item.unit_price * item.quantity
    return round(total, 2)


def discount(amount: float, percent: int) -> float:
    if percent < 0 or percent > 100:
        raise ValueError("percent out of range")
    return round(amount * percent / 100, 2)


def tax(amount: float, rate: float = 0.2) -> float:
    return round(amount * rate, 2)


def invoice_total(items: list[Item], percent: int = 0) -> float:
    base = subtotal(items)
    base -= discount(base, percent)
    return round(base + tax(base), 1)
'''

TESTS = """from invoice import Item, discount, invoice_total, subtotal, tax
import pytest

ITEMS = [Item(name="pen", unit_price=1.5, quantity=4), Item(name="pad", unit_price=3.0, quantity=2)]

def test_subtotal():
    assert subtotal(ITEMS) == 12.0

def test_subtotal_empty():
    assert subtotal([]) == 0.0

def test_tax():
    assert tax(10.0) == 2.0

def test_invoice_total():
    assert invoice_total(ITEMS) == 14.4

def test_invoice_total_with_discount():
    assert invoice_total(ITEMS, 50) == 7.2

@pytest.mark.parametrize("percent", range(0, 101, 5))
def test_discount_in_range(percent):
    assert discount(100.0, percent) == percent

def test_discount_out_of_range():
    with pytest.raises(ValueError):
        discount(10.0, 101)
"""


SANDBOXES: tuple[Mode, ...] = ("bwrap", "docker")


def _works(mode: Mode) -> bool:
    try:
        return resolve(mode) == mode
    except SandboxUnavailable:
        return False


def make_project(root: Path) -> None:
    (root / "invoice.py").write_text(MODULE.replace("total += item", "total -= item"))
    (root / "test_invoice.py").write_text(TESTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="aiap-speed-") as tmp:
        project = Path(tmp) / "proj"
        project.mkdir()
        make_project(project)
        ws = Workspace.create(project)
        try:
            env = {**os.environ, "PYTHONPATH": str(ws.root)}
            inv = Invocation(
                rootdir=ws.root, invocation_dir=ws.root, options=[], positional=[], env=env
            )
            records = Path(tmp) / "probe.jsonl"
            probe_env = {**env, RECORDS_ENV: str(records), "AIAP_WORKSPACE_ROOT": str(ws.root)}
            baseline = run_pytest(ws.root, ["-p", "aiap.repair.probe"], env=probe_env, timeout=120)
            preload = next(r.modules for r in read_records(records) if isinstance(r, PreloadRecord))
            targets = sorted(baseline.failed())
            source = ws.read_text("invoice.py")
            # The buggy line first, as localization would put it, then the rest of the module.
            buggy = (
                source.splitlines().index("        total -= item.unit_price * item.quantity") + 1
            )
            lines = [buggy, *(n for n in range(1, source.count("\n") + 1) if n != buggy)]
            patches = []
            for mutant in mutants_for_lines(source, lines):
                edits = edits_between("invoice.py", source, mutant.new_source)
                patches.append(
                    CodePatch(
                        engine="offline", operator=mutant.operator, description="", edits=edits
                    )
                )
                if len(patches) == args.candidates:
                    break
            server = ForkServer(ws.root, env)
            server.preload(preload)
            modes = {
                "fresh subprocess": SubprocessRuns(env),
                "forking worker": server.run,
            }
            sandboxed: dict[str, ForkServer] = {}
            for box in SANDBOXES:
                if _works(box):
                    sandboxed[box] = ForkServer(ws.root, env, sandbox=box)
                    sandboxed[box].preload(preload)
                    modes[f"fresh subprocess, {box}"] = SubprocessRuns(env, None, box)
                    modes[f"forking worker, {box}"] = sandboxed[box].run
            pooled = f"forking workers x {lane_count()}"
            rates: dict[str, list[float]] = {m: [] for m in [*modes, pooled]}
            verdicts: dict[str, list[bool]] = {}

            def lane_invocation(lane_ws: Workspace) -> Invocation:
                lane_env = {**os.environ, "PYTHONPATH": str(lane_ws.root)}
                return inv.model_copy(
                    update={
                        "rootdir": lane_ws.root,
                        "invocation_dir": lane_ws.root,
                        "env": lane_env,
                    }
                )

            with open_lanes(ws, lane_invocation, preload, lane_count()) as lanes:
                for _round in range(args.rounds):
                    for mode, run in modes.items():
                        validator = Validator(ws, inv, baseline, targets, run=run)
                        start = time.perf_counter()
                        verdicts[mode] = [validator.check(p).plausible for p in patches]
                        rates[mode].append(len(patches) / (time.perf_counter() - start))
                    pool = ValidatorPool(
                        [
                            Validator(
                                lane.workspace, lane.invocation, baseline, targets, run=lane.run
                            )
                            for lane in lanes
                        ]
                    )
                    start = time.perf_counter()
                    futures = [pool.submit(p) for p in patches]
                    verdicts[pooled] = [f.result().plausible for f in futures]
                    rates[pooled].append(len(patches) / (time.perf_counter() - start))
                    pool.close()
            server.close()
            for worker in sandboxed.values():
                worker.close()
        finally:
            ws.cleanup()
    assert all(v == verdicts["fresh subprocess"] for v in verdicts.values()), "modes disagree"
    fresh = statistics.median(rates["fresh subprocess"])
    fork = statistics.median(rates["forking worker"])
    every = statistics.median(rates[pooled])
    print(
        f"{len(patches)} candidates, {len(targets)} failing test(s), {args.rounds} rounds, medians"
    )
    print(f"fresh subprocess per run : {fresh:6.2f} candidates/s")
    print(f"forking worker           : {fork:6.2f} candidates/s")
    print(f"{pooled:<25}: {every:6.2f} candidates/s")
    print(f"ratio, worker / fresh    : {fork / fresh:6.2f}x")
    print(f"ratio, every core / fresh: {every / fresh:6.2f}x")
    for box in SANDBOXES:
        if f"forking worker, {box}" not in rates:
            print(f"{box:<25}: not measured (it does not work here)")
            continue
        fresh_b = statistics.median(rates[f"fresh subprocess, {box}"])
        fork_b = statistics.median(rates[f"forking worker, {box}"])
        print(f"{'fresh subprocess, ' + box:<25}: {fresh_b:6.2f} candidates/s")
        print(f"{'forking worker, ' + box:<25}: {fork_b:6.2f} candidates/s")
        print(f"{'cost of ' + box + ', fresh':<25}: {fresh / fresh_b:6.2f}x the time")
        print(f"{'cost of ' + box + ', worker':<25}: {fork / fork_b:6.2f}x the time")
    print(f"plausible candidates     : {sum(verdicts['forking worker'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
