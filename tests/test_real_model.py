"""One repair against a real small model (Qwen2.5-Coder-1.5B served by llama.cpp), opt-in.

Runs with ``pytest -m real_model`` once ``bench/real_model.py`` has installed the model and its
runtime (outside the project); skipped otherwise, and never by CI.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_pytest_cli

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import real_model  # noqa: E402  (bench/real_model.py: installs and serves the model)

pytestmark = pytest.mark.real_model

# A bug of our corpus the offline engine misses.
BUG = BENCH / "bugs" / "b49-clip-values" / "project"


@pytest.fixture(scope="module")
def model_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if "real_model" not in (request.config.getoption("-m") or ""):
        pytest.skip("asked for only: pytest -m real_model")
    cache = real_model.default_cache()
    model = cache / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    python = cache / "venv" / "bin" / "python"
    if not (model.exists() and python.exists()):
        pytest.skip("the model is not installed: run python bench/real_model.py once")
    with real_model.serving(python, model) as url:
        yield url


@pytest.mark.timeout(1500)
def test_a_real_small_model_answers_in_a_form_that_parses_and_applies(
    tmp_path: Path, model_url: str
) -> None:
    project = tmp_path / "p"
    shutil.copytree(BUG, project)
    result = run_pytest_cli(
        project,
        "-q",
        "--aiap-fix",
        "--aiap-engine=llm",
        f"--aiap-model={real_model.MODEL_NAME}",
        f"--aiap-api-base={model_url}",
        "--aiap-budget=900",
        env={"AIAP_LLM_TIMEOUT": "600", "AIAP_LLM_CONTEXT_TOKENS": "3000"},
        timeout=1200,
    )
    assert "aiap: llm: " in result.stdout, result.stdout
    calls = [
        json.loads(line)
        for line in (project / ".aiap" / "audit.jsonl").read_text().splitlines()
        if '"llm_call"' in line
    ]
    # Whether the patch is right is the model's: bench/real_model.py measures that. That its
    # answers become patches at all is aiap's: before the prompts changed, none did.
    assert any(c["outcome"] == "patch proposed" for c in calls), calls
    assert (project / "clipping.py").read_bytes() == (BUG / "clipping.py").read_bytes()
