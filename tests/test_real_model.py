"""One repair against a real small model (Qwen2.5-Coder-1.5B served by llama.cpp), opt-in.

Runs with ``pytest -m real_model`` once ``bench/real_model.py`` has installed the model and its
runtime (outside the project); skipped otherwise, and never by CI.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_pytest_cli

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import real_model  # noqa: E402  (bench/real_model.py: installs and serves the model)

pytestmark = pytest.mark.real_model

CLIP = "def clip(values, low, high):\n    return [max(v, low) for v in values]\n"
TESTS = (
    "from clipping import clip\n\n\n"
    "def test_values_above_high_are_cut_to_high():\n"
    "    assert clip([1, 5, 12], 2, 10) == [2, 5, 10]\n"
)


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
def test_a_real_small_model_answers_a_usable_edit_and_the_bug_is_fixed(
    tmp_path: Path, model_url: str
) -> None:
    (tmp_path / "clipping.py").write_text(CLIP)
    (tmp_path / "test_clipping.py").write_text(TESTS)
    result = run_pytest_cli(
        tmp_path,
        "--aiap-fix",
        "--aiap-apply",
        "--aiap-engine=llm",
        f"--aiap-model={real_model.MODEL_NAME}",
        f"--aiap-api-base={model_url}",
        "--aiap-budget=900",
        env={"AIAP_LLM_TIMEOUT": "600", "AIAP_LLM_CONTEXT_TOKENS": "3000"},
        timeout=1200,
    )
    assert "aiap: applied to clipping.py" in result.stdout, result.stdout
    assert run_pytest_cli(tmp_path).returncode == 0
