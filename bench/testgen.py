"""aiap gen-tests against Pynguin: the same modules, the same search budget, one run.

Installs Pynguin and a few well-known pure-Python packages from the registry into a temporary
venv (never into the project), copies each package, and aiap's own corpus
(``bench/testgen_corpus``), into a fresh project per tool and module, runs both generators with
the same search budget, then measures what each tool's tests cover the same way: a fresh
``coverage run --branch -m pytest`` of its output, in the temporary venv. Prints per module and
per module set the mean line and branch coverage of both, the share of generated tests kept,
and median wall time per module.

    python bench/testgen.py [--budget 10] [--seed 0] [--only own|packages] [--limit N]

aiap's share kept: tests that passed its filters / tests proposed to the filters. Pynguin's:
tests that pass in the measuring run / tests it wrote (it has no such filter of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "testgen_corpus"
PYNGUIN = "pynguin==0.48.0"
# package==version -> modules to generate tests for (pure Python, no dependencies).
PACKAGES: dict[str, list[str]] = {
    "inflection==0.5.1": ["inflection"],
    "humanize==4.17.0": ["humanize.number", "humanize.filesize", "humanize.lists", "humanize.time"],
    "isodate==0.7.2": [
        "isodate.isodates",
        "isodate.isotime",
        "isodate.isoduration",
        "isodate.isodatetime",
        "isodate.isotzinfo",
        "isodate.duration",
        "isodate.isostrf",
    ],
    "semver==3.1.2": ["semver.version", "semver._deprecated"],
    "toolz==1.2.0": ["toolz.itertoolz", "toolz.dicttoolz", "toolz.recipes", "toolz.functoolz"],
}


@dataclass
class Outcome:
    tool: str
    module: str
    group: str
    line: float = 0.0
    branch: float = 0.0
    generated: int = 0
    kept: int = 0
    seconds: float = 0.0
    note: str = ""


@dataclass
class Module:
    name: str  # dotted
    group: str  # "own" or the package
    source: Path  # directory holding the top-level package or module
    top: str  # top-level package or module to copy

    def file(self, root: Path) -> Path:
        base = root / Path(*self.name.split("."))
        return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@dataclass
class Bench:
    tmp: Path
    budget: float
    seed: int
    python: Path = field(init=False)

    def __post_init__(self) -> None:
        self.python = self.tmp / "venv" / "bin" / "python"


def setup_venv(bench: Bench, packages: list[str]) -> str | None:
    """The temp venv with the packages, coverage, pytest and Pynguin; the pip error, if any."""
    subprocess.run([sys.executable, "-m", "venv", str(bench.tmp / "venv")], check=True)
    pip = [str(bench.python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "coverage", "pytest", *packages], check=True, capture_output=True)
    proc = subprocess.run([*pip, PYNGUIN], capture_output=True, text=True)
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln]
        return "\n".join(errors) or proc.stderr[-500:]
    return None


def site_packages(bench: Bench) -> Path:
    out = subprocess.run(
        [str(bench.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(out.stdout.strip())


def modules(bench: Bench, only: str | None) -> list[Module]:
    found: list[Module] = []
    if only in (None, "own"):
        for file in sorted(CORPUS.rglob("*.py")):
            rel = file.relative_to(CORPUS)
            if file.name == "__init__.py":
                continue
            name = ".".join(rel.with_suffix("").parts)
            found.append(Module(name, "own", CORPUS, rel.parts[0]))
    if only in (None, "packages"):
        site = site_packages(bench)
        for spec, names in PACKAGES.items():
            group = spec.split("==")[0]
            for name in names:
                top = name.split(".")[0]
                found.append(
                    Module(name, group, site, top if (site / top).is_dir() else top + ".py")
                )
    return found


def project(bench: Bench, tool: str, module: Module) -> Path:
    root = bench.tmp / "work" / tool / module.name
    root.mkdir(parents=True)
    src = module.source / module.top
    if src.is_dir():
        # A package's bundled tests stay behind: both tools start from no test at all.
        ignore = shutil.ignore_patterns("__pycache__", "tests", "test_*.py", "conftest.py")
        shutil.copytree(src, root / module.top, ignore=ignore)
    else:
        shutil.copy2(src, root / module.top)
    return root


def measure(bench: Bench, root: Path, tests: Path, module: Module) -> tuple[float, float, int, int]:
    """(line %, branch %, tests, tests passed) of ``tests`` on the module, in a fresh process."""
    files = sorted(tests.rglob("test_*.py")) if tests.exists() else []
    if not files:
        return 0.0, 0.0, 0, 0
    data = root / ".bench-coverage"
    junit = root / ".bench-junit.xml"
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    target = module.file(root)
    subprocess.run(
        [
            str(bench.python),
            "-m",
            "coverage",
            "run",
            "--branch",
            f"--data-file={data}",
            f"--include={target}",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            *map(str, files),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=600,
    )
    report = root / ".bench-coverage.json"
    subprocess.run(
        [
            str(bench.python),
            "-m",
            "coverage",
            "json",
            f"--data-file={data}",
            "-o",
            str(report),
            f"--include={target}",
        ],
        cwd=root,
        capture_output=True,
    )
    total, passed = _junit_counts(junit)
    if not report.exists():
        return 0.0, 0.0, total, passed
    totals = json.loads(report.read_text())["totals"]
    line = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
    branch = (
        100.0 * totals["covered_branches"] / totals["num_branches"]
        if totals["num_branches"]
        else 100.0
    )
    return line, branch, total, passed


def _junit_counts(junit: Path) -> tuple[int, int]:
    import xml.etree.ElementTree as ET

    if not junit.exists():
        return 0, 0
    total = passed = 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        total += 1
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        # Pynguin marks calls that raise as strict xfail: an expected exception, so a pass.
        if all(c.tag == "skipped" and c.get("type") == "pytest.xfail" for c in bad):
            passed += 1
    return total, passed


def run_aiap(bench: Bench, module: Module) -> Outcome:
    root = project(bench, "aiap", module)
    report = root / ".aiap-report.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiap.cli",
            "gen-tests",
            str(module.file(root)),
            "--time-budget",
            str(bench.budget),
            "--seed",
            str(bench.seed),
            "--out",
            "gen_tests",
            "--root",
            str(root),
            "--json",
            str(report),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=bench.budget * 10 + 300,
    )
    seconds = time.perf_counter() - start
    outcome = Outcome("aiap", module.name, module.group, seconds=seconds)
    if proc.returncode != 0 or not report.exists():
        outcome.note = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return outcome
    verdicts = [v for m in json.loads(report.read_text())["modules"] for v in m["verdicts"]]
    outcome.generated = len(verdicts)
    outcome.kept = sum(v["verdict"] == "kept" for v in verdicts)
    outcome.line, outcome.branch, _, _ = measure(bench, root, root / "gen_tests", module)
    return outcome


def run_pynguin(bench: Bench, module: Module) -> Outcome:
    root = project(bench, "pynguin", module)
    out = bench.tmp / "work" / "pynguin-out" / module.name
    cmd = [str(bench.python.parent / "pynguin"), "--project-path", str(root)]
    cmd += ["--module-name", module.name, "--output-path", str(out)]
    cmd += ["--maximum-search-time", str(int(bench.budget)), "--seed", str(bench.seed)]
    # SIMPLE assertions: the default (mutation analysis) adds minutes per module and no coverage.
    cmd += ["--assertion-generation", "SIMPLE", "--poor"]
    start = time.perf_counter()
    outcome = Outcome("pynguin", module.name, module.group)
    try:
        proc = subprocess.run(
            cmd,
            cwd=root,
            env={**os.environ, "PYNGUIN_DANGER_AWARE": "1"},
            capture_output=True,
            text=True,
            timeout=bench.budget * 10 + 300,
        )
        if proc.returncode != 0:
            errors = [ln.strip() for ln in proc.stderr.splitlines() if "rror" in ln]
            outcome.note = f"pynguin exited {proc.returncode}: " + (errors or ["?"])[-1][:160]
    except subprocess.TimeoutExpired:
        outcome.note = "timed out"
    outcome.seconds = time.perf_counter() - start
    line, branch, total, passed = measure(bench, root, out, module)
    outcome.line, outcome.branch, outcome.generated, outcome.kept = line, branch, total, passed
    return outcome


def summary(outcomes: list[Outcome], tools: list[str]) -> list[str]:
    """Means per module set; the last set leaves out modules a tool could not run at all."""
    failed = {o.module for o in outcomes if o.note}
    sets: list[tuple[str, list[Outcome]]] = [
        ("own", [o for o in outcomes if o.group == "own"]),
        ("registry packages", [o for o in outcomes if o.group != "own"]),
        *((g, [o for o in outcomes if o.group == g]) for g in sorted({o.group for o in outcomes})
          if g != "own"),
        ("all, both tools ran", [o for o in outcomes if o.module not in failed]),
    ]  # fmt: skip
    lines = [
        f"{'module set':<22}{'modules':>8}"
        + "".join(
            f"{t + ' line%':>14}{t + ' branch%':>16}{t + ' kept%':>14}{t + ' s/mod':>14}"
            for t in tools
        )  # fmt: skip
    ]
    for name, picked in sets:
        if not picked:
            continue
        row = f"{name:<22}{len({o.module for o in picked}):>8}"
        for tool in tools:
            mine = [o for o in picked if o.tool == tool]
            generated = sum(o.generated for o in mine)
            kept = 100.0 * sum(o.kept for o in mine) / generated if generated else 0.0
            row += f"{statistics.fmean(o.line for o in mine):>14.1f}"
            row += f"{statistics.fmean(o.branch for o in mine):>16.1f}"
            row += f"{kept:>14.1f}"
            row += f"{statistics.median(o.seconds for o in mine):>14.1f}"
        lines.append(row)
    lines += [f"not run: {o.tool} on {o.module}: {o.note}" for o in outcomes if o.note]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="search seconds per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("own", "packages"))
    parser.add_argument("--limit", type=int, help="first N modules only (a quick look)")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aiap-bench-testgen-"))
    bench = Bench(tmp, args.budget, args.seed)
    try:
        print(f"installing {PYNGUIN} and {', '.join(PACKAGES)} into a temporary venv", flush=True)
        pip_error = setup_venv(bench, list(PACKAGES))
        tools = ["aiap"] if pip_error else ["aiap", "pynguin"]
        if pip_error:
            print(f"pynguin did not install; aiap alone:\n{pip_error}", flush=True)
        todo = modules(bench, args.only)[: args.limit]
        outcomes: list[Outcome] = []
        for i, module in enumerate(todo, 1):
            for tool in tools:
                run = run_aiap if tool == "aiap" else run_pynguin
                o = run(bench, module)
                outcomes.append(o)
                print(
                    f"[{i}/{len(todo)}] {tool:<8} {module.name:<32} line {o.line:5.1f}%  "
                    f"branch {o.branch:5.1f}%  kept {o.kept}/{o.generated}  {o.seconds:5.1f} s"
                    + (f"  ({o.note})" if o.note else ""),
                    flush=True,
                )
        print()
        print(f"budget {args.budget:g} s of search per module per tool, seed {args.seed}")
        print("\n".join(summary(outcomes, tools)))
        if args.json:
            args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
