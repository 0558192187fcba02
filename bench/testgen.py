"""aiap gen-tests against Pynguin: the same modules, the same search budget, one run.

Installs Pynguin and a few well-known pure-Python packages from the registry into a temporary
venv (never into the project), copies each package, and aiap's own corpus
(``bench/testgen_corpus``), into a fresh project per tool and module, runs both generators with
the same search budget (aiap's --time-budget, Pynguin's --maximum-search-time), then measures
each tool's tests the same way, in the temporary venv:

- coverage: a fresh ``coverage run --branch -m pytest`` of its output;
- mutation score: mutants of the module's lines those tests cover, made with aiap's own
  operators (aiap.offline.mutants), at most MUTANTS per module picked deterministically; each
  is written over the module in that tool's project copy and the tests that passed in the
  coverage run are run again (``pytest -x``, MUTANT_TIMEOUT s); killed = pytest failed or timed
  out. Score = killed / mutants; '-' for a module with no covered line or no mutant.

Prints per module and per module set the mean line and branch coverage and mutation score of
both, the share of generated tests kept, and median wall time per module.

    python bench/testgen.py [--budget 10] [--seed 0] [--only own|packages] [--module NAME]
                            [--limit N] [--json FILE]

aiap's share kept: tests that passed its filters / tests proposed to the filters. Pynguin's:
tests that pass in the measuring run / tests it wrote (it has no such filter of its own).

docstring_parser is held out for judging: never installed here. Pynguin's CLI library
(simple-parsing) imports it, only to build ``--help`` texts, so the temporary venv gets a
stand-in with the few names it uses, and the setup stops if the real one gets installed.
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiap.offline.mutants import Mutant

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "testgen_corpus"
PYNGUIN = "pynguin==0.48.0"
# Pynguin's CLI library, installed without its dependency docstring_parser (held out).
SIMPLE_PARSING = "simple-parsing==0.1.9"
HELD_OUT_DEPENDENCY = "docstring-parser"
# What simple-parsing uses of docstring_parser: parse() and Docstring's fields.
DOCSTRING_PARSER_STUB = '''"""Stand-in for docstring_parser: what simple-parsing uses."""

from dataclasses import dataclass, field


@dataclass
class DocstringParam:
    arg_name: str = ""
    description: str | None = None


@dataclass
class Docstring:
    short_description: str | None = None
    long_description: str | None = None
    blank_after_short_description: bool = False
    blank_after_long_description: bool = False
    params: list[DocstringParam] = field(default_factory=list)


def parse(text: str | None, style: object = None) -> Docstring:
    return Docstring()
'''
MUTANTS = 40  # per module and tool, at most
MUTANT_TIMEOUT = 20.0  # seconds per pytest run on a mutant, at least; a timeout is a kill
# package==version -> modules to generate tests for (pure Python, no dependencies), chosen for
# functions that take the library's own objects or structured values.
PACKAGES: dict[str, list[str]] = {
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
    "sortedcontainers==2.4.0": [
        "sortedcontainers.sortedlist",
        "sortedcontainers.sorteddict",
        "sortedcontainers.sortedset",
    ],
    "webcolors==25.10.0": ["webcolors._conversion", "webcolors._normalization", "webcolors._html5"],
    "jmespath==1.1.0": ["jmespath.parser", "jmespath.functions"],
    "roman==5.2": ["roman"],
}
# Records, in the measuring run, the tests that passed (xfailed ones too: Pynguin marks a call
# that raises as strict xfail), as node ids the mutant runs can take from any directory.
PASSED_PLUGIN = """import os
from pathlib import Path

_ROOT = Path.cwd()


def pytest_configure(config):
    global _ROOT
    _ROOT = config.rootpath


def pytest_runtest_logreport(report):
    ok = report.passed or (report.skipped and hasattr(report, "wasxfail"))
    if report.when == "call" and ok:
        file, _, rest = report.nodeid.partition("::")
        with open(os.environ["BENCH_PASSED"], "a", encoding="utf-8") as out:
            out.write(f"{(_ROOT / file).resolve()}::{rest}\\n")
"""


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
    mutation: float | None = None  # killed / mutants, None: no covered line or no mutant
    killed: int = 0
    mutants: int = 0
    note: str = ""  # the tool could not run
    mutation_note: str = ""  # why there is no mutation score though there are mutants

    def mutation_text(self) -> str:
        if self.mutation is None:
            return "    -"
        return f"{self.mutation:5.1f}% ({self.killed}/{self.mutants})"


@dataclass
class Measured:
    """What one tool's tests do on a module, from the measuring run."""

    line: float = 0.0
    branch: float = 0.0
    tests: int = 0
    passed: int = 0
    covered: list[int] = field(default_factory=list)  # the module's lines run
    passing: list[str] = field(default_factory=list)  # node ids of the tests that passed


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
    plugins: Path = field(init=False)  # holds bench_passed, a pytest plugin (PASSED_PLUGIN)

    def __post_init__(self) -> None:
        self.python = self.tmp / "venv" / "bin" / "python"
        self.plugins = self.tmp / "plugins"


# Pynguin's and simple-parsing's requirements for this interpreter, as pip takes them.
_REQUIRES = """
import importlib.metadata, sys
from pip._vendor.packaging.requirements import Requirement
for dist in sys.argv[1:]:
    for text in importlib.metadata.requires(dist) or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            print(req.name, req, sep="\t")
"""


def setup_venv(bench: Bench, packages: list[str]) -> str | None:
    """The temp venv with the packages, coverage, pytest and Pynguin; the pip error, if any.

    Pynguin and simple-parsing go in without their dependencies, the rest of theirs but
    docstring_parser with the packages in one resolve, and the stand-in last (module doc)."""
    subprocess.run([sys.executable, "-m", "venv", str(bench.tmp / "venv")], check=True)
    pip = [str(bench.python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    base = ["coverage", "pytest", *packages]
    proc = subprocess.run(
        [*pip, "--no-deps", PYNGUIN, SIMPLE_PARSING], capture_output=True, text=True
    )
    if proc.returncode == 0:
        listed = subprocess.run(
            [str(bench.python), "-c", _REQUIRES, "pynguin", "simple-parsing"],
            check=True,
            capture_output=True,
            text=True,
        )
        skip = {"pynguin", "simple-parsing", HELD_OUT_DEPENDENCY}
        needs = [
            req
            for name, req in (ln.split("\t") for ln in listed.stdout.splitlines())
            if name.lower().replace("_", "-") not in skip
        ]
        proc = subprocess.run([*pip, *base, *needs], capture_output=True, text=True)
    if proc.returncode != 0:
        subprocess.run([*pip, *base], check=True, capture_output=True)
        errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln]
        return "\n".join(errors) or proc.stderr[-500:]
    shown = subprocess.run(
        [str(bench.python), "-m", "pip", "show", "-q", HELD_OUT_DEPENDENCY], capture_output=True
    )
    if shown.returncode == 0:
        raise SystemExit(f"{HELD_OUT_DEPENDENCY} got installed: it is held out, stopping")
    stub = site_packages(bench) / "docstring_parser"
    stub.mkdir()
    (stub / "__init__.py").write_text(DOCSTRING_PARSER_STUB)
    (stub / "common.py").write_text("from docstring_parser import Docstring, DocstringParam\n")
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


def _env(root: Path, *paths: Path, **extra: str) -> dict[str, str]:
    pythonpath = os.pathsep.join(str(p) for p in (root, *paths))
    return {**os.environ, "PYTHONPATH": pythonpath, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def measure(bench: Bench, root: Path, tests: Path, module: Module) -> Measured:
    """Coverage of ``tests`` on the module and the tests that passed, in a fresh process."""
    files = sorted(tests.rglob("test_*.py")) if tests.exists() else []
    if not files:
        return Measured()
    data = root / ".bench-coverage"
    junit = root / ".bench-junit.xml"
    passed = root / ".bench-passed.txt"
    bench.plugins.mkdir(exist_ok=True)
    (bench.plugins / "bench_passed.py").write_text(PASSED_PLUGIN)
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
            "-p",
            "bench_passed",
            f"--junitxml={junit}",
            *map(str, files),
        ],
        cwd=root,
        env=_env(root, bench.plugins, BENCH_PASSED=str(passed)),
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
    measured = Measured()
    measured.tests, measured.passed = _junit_counts(junit)
    if passed.exists():
        measured.passing = list(dict.fromkeys(passed.read_text().splitlines()))
    if not report.exists():
        return measured
    result = json.loads(report.read_text())
    totals = result["totals"]
    measured.line = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
    measured.branch = (
        100.0 * totals["covered_branches"] / totals["num_branches"]
        if totals["num_branches"]
        else 100.0
    )
    for entry in result["files"].values():  # the module alone (--include)
        measured.covered = sorted(entry["executed_lines"])
    return measured


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


def pick_mutants(source: str, lines: Sequence[int], cap: int = MUTANTS) -> list[Mutant]:
    """At most ``cap`` mutants of ``lines``, by aiap's own operators, the same way every time.

    The edits aiap plans at those lines are grouped by operator family; the families, in
    aiap's order, take turns for the ``cap`` places, and each family's share is spread evenly
    over its edits (a no-op or a duplicate gives way to the next edit). Without the turns,
    statement insertion, most of the edits of a module, would fill the sample. Only the picked
    edits are rendered: ``mutants_for_lines`` renders every one, minutes on a large module."""
    from aiap.offline.families import FAMILIES
    from aiap.offline.mutants import ModuleMutator, Site

    mutator = ModuleMutator(source, lines)
    families: dict[str, list[Site]] = {}
    for site in sorted(mutator.sites, key=lambda s: FAMILIES.index(s.operator)):
        families.setdefault(site.operator, []).append(site)  # sorted is stable: line order
    share = dict.fromkeys(families, 0)
    left = cap
    while left and any(share[f] < len(sites) for f, sites in families.items()):
        for family, sites in families.items():
            if left and share[family] < len(sites):
                share[family] += 1
                left -= 1
    picked: list[Mutant] = []
    seen = {source}
    for family, sites in families.items():
        n, k = len(sites), share[family]
        for j in range(k):
            for site in sites[j * n // k : (j + 1) * n // k]:
                mutant = mutator.render(site)
                if mutant is not None and mutant.new_source not in seen:
                    seen.add(mutant.new_source)
                    picked.append(mutant)
                    break
    return picked


def mutation(
    bench: Bench, root: Path, module: Module, measured: Measured, outcome: Outcome
) -> None:
    """Fills ``outcome``'s mutation score: mutants of the lines the tests cover, each written
    over the module the tests import, killed when the tests that passed unmutated fail (or time
    out) on it. The module is always restored."""
    if not measured.covered:
        return
    target = module.file(root)
    original = target.read_bytes()
    mutants = pick_mutants(original.decode("utf-8"), measured.covered)
    outcome.mutants = len(mutants)
    if not mutants:
        return
    if not measured.passing:  # no test to run: none is killed
        outcome.mutation = 0.0
        return
    for cache in list(root.rglob("__pycache__")):  # no stale bytecode of the module
        shutil.rmtree(cache, ignore_errors=True)
    cmd = [str(bench.python), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    cmd += measured.passing
    env = _env(root)
    start = time.perf_counter()
    try:
        baseline = subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        outcome.mutation_note = "unmutated run timed out"
        return
    if baseline.returncode != 0:  # order-dependent or flaky tests: no score
        outcome.mutation_note = f"unmutated run failed (exit {baseline.returncode})"
        return
    timeout = max(MUTANT_TIMEOUT, 5 * (time.perf_counter() - start))
    for mutant in mutants:
        try:
            target.write_text(mutant.new_source, encoding="utf-8", newline="")
            proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, timeout=timeout)
            outcome.killed += proc.returncode != 0
        except subprocess.TimeoutExpired:
            outcome.killed += 1
        finally:
            target.write_bytes(original)
    outcome.mutation = 100.0 * outcome.killed / outcome.mutants


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
    measured = measure(bench, root, root / "gen_tests", module)
    outcome.line, outcome.branch = measured.line, measured.branch
    mutation(bench, root, module, measured, outcome)
    return outcome


def run_pynguin(bench: Bench, module: Module) -> Outcome:
    root = project(bench, "pynguin", module)
    out = bench.tmp / "work" / "pynguin-out" / module.name
    cmd = [str(bench.python.parent / "pynguin"), "--project-path", str(root)]
    cmd += ["--module-name", module.name, "--output-path", str(out)]
    cmd += ["--maximum-search-time", str(int(bench.budget)), "--seed", str(bench.seed)]
    # Its default and strongest assertions: those that kill its own mutants.
    cmd += ["--assertion-generation", "MUTATION_ANALYSIS", "--poor"]
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
    measured = measure(bench, root, out, module)
    outcome.line, outcome.branch = measured.line, measured.branch
    outcome.generated, outcome.kept = measured.tests, measured.passed
    mutation(bench, root, module, measured, outcome)
    return outcome


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.1f}" if values else "-"


def summary(outcomes: list[Outcome], tools: list[str]) -> list[str]:
    """Means per module set; the last set leaves out modules a tool could not run at all.
    A mean mutation score is over the modules that have one."""
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
            f"{t + ' line%':>14}{t + ' branch%':>16}{t + ' mut%':>13}{t + ' kept%':>14}"
            f"{t + ' s/mod':>14}"
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
            row += f"{_mean([o.mutation for o in mine if o.mutation is not None]):>13}"
            row += f"{kept:>14.1f}"
            row += f"{statistics.median(o.seconds for o in mine):>14.1f}"
        lines.append(row)
    lines += [f"not run: {o.tool} on {o.module}: {o.note}" for o in outcomes if o.note]
    lines += [
        f"no mutation score: {o.tool} on {o.module}: {o.mutation_note}"
        for o in outcomes
        if o.mutation_note
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=10.0, help="search seconds per module")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("own", "packages"))
    parser.add_argument(
        "--module", action="append", help="this dotted module only (repeatable), e.g. roman"
    )
    parser.add_argument("--limit", type=int, help="first N modules only (a quick look)")
    parser.add_argument("--json", type=Path, help="write every per-module row here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aiap-bench-testgen-"))
    bench = Bench(tmp, args.budget, args.seed)
    try:
        print(f"installing {PYNGUIN} and {', '.join(PACKAGES)} into a temporary venv", flush=True)
        pip_error = setup_venv(bench, list(PACKAGES))
        tools = ["aiap"] if pip_error else ["aiap", "pynguin"]
        if pip_error:
            print(f"pynguin did not install; aiap alone:\n{pip_error}", flush=True)
        todo = modules(bench, args.only)
        if args.module:
            todo = [m for m in todo if m.name in args.module]
        todo = todo[: args.limit]
        outcomes: list[Outcome] = []
        for i, module in enumerate(todo, 1):
            for tool in tools:
                run = run_aiap if tool == "aiap" else run_pynguin
                o = run(bench, module)
                outcomes.append(o)
                print(
                    f"[{i}/{len(todo)}] {tool:<8} {module.name:<32} line {o.line:5.1f}%  "
                    f"branch {o.branch:5.1f}%  mutation {o.mutation_text()}  "
                    f"kept {o.kept}/{o.generated}  {o.seconds:5.1f} s"
                    + (f"  ({o.note})" if o.note else "")
                    + (f"  ({o.mutation_note})" if o.mutation_note else ""),
                    flush=True,
                )
        print()
        print(f"budget {args.budget:g} s of search per module per tool, seed {args.seed}")
        print(f"mutation score: at most {MUTANTS} mutants of the covered lines per module")
        print("\n".join(summary(outcomes, tools)))
        if args.json:
            args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
