"""What the LLM engine costs, and what its cache and lazy import save.

A small project whose bug the offline engine cannot fix is repaired with
``pytest --aiap-fix --aiap-engine=llm`` against a local OpenAI-compatible server with a
scripted answer (the server of aiap's tests; ``--latency`` adds a model's thinking time), three
ways, interleaved, several rounds: a request sent (``--aiap-no-cache``), the answer from the
cache, and plain pytest without aiap. Also times ``import pytest_aiap.plugin`` against
``import litellm``: what loading litellm lazily saves every pytest run. Prints medians and
ratios, and the requests the cached runs sent (must be 0).

    python bench/llm_engine.py [--rounds 7] [--latency 0]
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
sys.path.insert(0, str(ROOT))

from tests.llm_project import FIX, people_project  # noqa: E402
from tests.openai_server import OpenAIServer, Reply  # noqa: E402


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIAP_", "PYTEST_"))}


def _timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=_env())
    return time.perf_counter() - start, out.stdout + out.stderr


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**_env(), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return float(out.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per model answer")
    args = parser.parse_args(argv)
    server = OpenAIServer().start()
    server.answer(Reply(content=FIX, delay=args.latency))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    llm = ["--aiap-fix", "--aiap-engine=llm", "--aiap-model=openai/bench"]
    llm.append(f"--aiap-api-base={server.url}")
    modes = {
        "plain pytest (no repair)": [*pytest, "-p", "no:aiap"],
        "llm, request sent": [*pytest, *llm, "--aiap-no-cache"],
        "llm, answer from cache": [*pytest, *llm],
    }
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    imports: dict[str, list[float]] = {"pytest_aiap.plugin": [], "litellm": []}
    cached_requests = 0
    try:
        with tempfile.TemporaryDirectory(prefix="aiap-bench-llm-") as tmp:
            project = people_project(Path(tmp) / "p")
            _timed(modes["llm, answer from cache"], project)  # fills the cache, warms the disk
            for _ in range(args.rounds):
                for mode, cmd in modes.items():
                    before = len(server.requests)
                    seconds, output = _timed(cmd, project)
                    if mode.startswith("llm") and "aiap: patch 1" not in output:
                        print(output)
                        raise SystemExit(f"{mode}: no patch")
                    if mode == "llm, answer from cache":
                        cached_requests += len(server.requests) - before
                    times[mode].append(seconds)
                for module in imports:
                    imports[module].append(_import_seconds(module))
    finally:
        server.stop()
    base = statistics.median(times["plain pytest (no repair)"])
    print(f"{'run':<28} {'median wall':>12} {'ratio':>7}")
    for mode, values in times.items():
        median = statistics.median(values)
        print(f"{mode:<28} {median:11.2f}s {median / base:7.2f}")
    sent = statistics.median(times["llm, request sent"])
    cached = statistics.median(times["llm, answer from cache"])
    print(f"cache: {sent / cached:.2f}x faster; requests sent by cached runs: {cached_requests}")
    plugin = statistics.median(imports["pytest_aiap.plugin"])
    litellm = statistics.median(imports["litellm"])
    print(
        f"import pytest_aiap.plugin {plugin * 1000:.0f} ms, import litellm {litellm * 1000:.0f} ms "
        f"({litellm / plugin:.0f}x): paid only when a model is asked"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
