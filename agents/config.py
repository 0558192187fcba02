"""aiap's settings: ``[tool.aiap]`` in pyproject.toml, then ``AIAP_*`` variables, then flags.

Later sources win. A bad value anywhere is a ConfigError whose message names where it came from.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aiap.sandbox import Setting

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Engine = Literal["auto", "offline", "llm"]


class ConfigError(Exception):
    """A setting that cannot be used; the message says which and where."""


# A time or a count of zero, below zero or not a number would make a run end at once or never.
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(gt=0)]
Dollars = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class AiapConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    engine: Engine = "auto"
    budget: Seconds = 120.0  # seconds for the whole search
    timeout: Seconds | None = None  # seconds per test run; derived from durations when unset
    memory_mb: Annotated[int, Field(ge=0)] | None = 4096  # per test run's address space; 0: none
    workers: Count | None = None  # validation lanes; one per core when unset
    model: str | None = None
    api_base: str | None = None
    python: str | None = None  # interpreter of the project's tests (pre-commit hooks)
    llm_rounds: Count = 3  # requests per failure group: the first, then one per rejected answer
    llm_max_tokens: Count = 100_000  # tokens per run, prompts and answers together
    llm_max_cost: Dollars = 0.50  # US dollars per run (when litellm knows the model's price)
    llm_timeout: Seconds = 60.0  # seconds per request
    llm_context_tokens: Count = 6000  # size of the context sent with a request
    llm_stream: bool = True  # stream answers (an enormous one is cut off early)
    cache: bool = True  # LLM answers cached under .aiap/
    sandbox: Setting = "auto"  # where the code aiap did not write runs; auto: bwrap if it works


ENV_PREFIX = "AIAP_"
FIELDS = tuple(AiapConfig.model_fields)


def _normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).replace("-", "_"): v for k, v in raw.items()}


def read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path.name}: cannot be read as TOML ({e})") from e
    section = data.get("tool", {}).get("aiap", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path.name}: [tool.aiap] must be a table")
    return _normalise(section)


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for field in FIELDS:
        value = environ.get(ENV_PREFIX + field.upper())
        if value is not None and value != "":
            values[field] = value
    return values


def _validate(values: Mapping[str, Any], source: str) -> None:
    try:
        AiapConfig.model_validate(values)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None


def load_config(
    root: Path,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    ini: Mapping[str, Any] | None = None,
) -> AiapConfig:
    """Merge the sources in order: pyproject, pytest ini, environment, flags (None = unset)."""
    import os

    layers = [
        (read_pyproject(root), "pyproject.toml [tool.aiap]"),
        (dict(ini or {}), "pytest ini"),
        (read_env(os.environ if environ is None else environ), "AIAP_* environment"),
        ({k: v for k, v in (overrides or {}).items() if v is not None}, "command line"),
    ]
    merged: dict[str, Any] = {}
    for values, source in layers:
        _validate(values, source)
        merged.update(values)
    return AiapConfig.model_validate(merged)
