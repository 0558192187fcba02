"""The engines that propose patches: pluggy plugins of aiap.hookspecs, chosen by name."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pluggy
from pydantic import BaseModel, ConfigDict

from aiap import hookspecs
from aiap.config import AiapConfig
from aiap.hookspecs import RepairRequest
from aiap.models import CodePatch

# Under `auto` with a model configured, the offline engine may use this share of the budget;
# the rest is left for the LLM.
OFFLINE_SHARE_BEFORE_LLM = 0.5


class EngineUnavailable(Exception):
    """The engine asked for cannot run here; the message says what to do."""


class ModelSettings(BaseModel):
    """How the user of one command names the model: what ``llm_unavailable`` tells them to set."""

    model_config = ConfigDict(frozen=True)

    needs: str  # who needs the model, as the message starts
    model: str  # where the model is set
    api_base: str  # the flag for an OpenAI-compatible server's URL


PYTEST_SETTINGS = ModelSettings(
    needs="the LLM engine",
    model="--aiap-model, AIAP_MODEL or [tool.aiap] model",
    api_base="--aiap-api-base",
)


def llm_unavailable(config: AiapConfig, settings: ModelSettings = PYTEST_SETTINGS) -> str | None:
    """Why no model can be asked with this configuration, or None when one can: the one check
    of the repair engine, the LLM test generator and the LLM review."""
    from aiap.llm.provider import litellm_installed

    if not config.model:
        return (
            f"{settings.needs} needs a model: set {settings.model} to a litellm model name "
            "(gpt-4.1-mini, anthropic/<model>, ollama/<model>, or openai/<name> with "
            f"{settings.api_base} for an OpenAI-compatible server)"
        )
    if not litellm_installed():
        return f"{settings.needs} needs litellm: pip install 'aiap[llm]'"
    return None


def plugin_manager(
    config: AiapConfig | None = None, project_root: Path | None = None
) -> pluggy.PluginManager:
    """The engines of one run; the LLM engine only when it is wanted and can run."""
    from aiap.offline.plugin import OfflineEngine

    pm = pluggy.PluginManager("aiap")
    pm.add_hookspecs(hookspecs)
    pm.register(OfflineEngine(), name="offline")
    if (
        config is not None
        and project_root is not None
        and config.engine != "offline"
        and llm_unavailable(config) is None
    ):
        from aiap.llm.plugin import LLMEngine

        pm.register(LLMEngine(config, project_root), name="llm")
    pm.load_setuptools_entrypoints("aiap")  # third-party engines
    return pm


def select_engines(pm: pluggy.PluginManager, config: AiapConfig) -> list[str]:
    """Engine names in the order they are asked: cheapest first.

    ``llm`` without a model or without litellm is an error that says what to set or install;
    ``auto`` then silently stays offline.
    """
    if config.engine == "llm":
        if pm.get_plugin("llm") is None:
            raise EngineUnavailable(llm_unavailable(config) or "the LLM engine is not loaded")
        return ["llm"]
    if config.engine == "offline":
        return ["offline"]
    names = [name for name, _ in pm.list_name_plugin() if name]
    builtin = [n for n in ("offline", "llm") if n in names]
    return builtin + sorted(n for n in names if n not in builtin)


def engine_deadlines(names: list[str], start: float, budget: float) -> dict[str, float]:
    """Per-engine time limits inside the run's budget: offline leaves room for the LLM."""
    if "offline" in names and "llm" in names:
        return {"offline": start + budget * OFFLINE_SHARE_BEFORE_LLM}
    return {}


def propose(
    pm: pluggy.PluginManager,
    engine: str,
    request: RepairRequest,
    until: float | None = None,
    failed: Callable[[str], None] | None = None,
) -> Iterator[CodePatch]:
    """Candidates from one engine, in the order it yields them, until ``until`` (monotonic).

    An engine that raises ends its own stream, never the search: ``failed`` hears why, in one
    line, and the orchestrator goes on with what it has and with the next engine.
    """
    others = [plugin for name, plugin in pm.list_name_plugin() if name != engine]
    caller = pm.subset_hook_caller("aiap_propose_patches", remove_plugins=others)
    try:
        for result in caller(request=request):
            if result is not None:
                for patch in result:
                    if until is not None and time.monotonic() > until:
                        return
                    yield patch
    except Exception as e:  # a third-party engine may raise anything
        if failed is not None:
            failed(f"engine {engine} failed: {one_line(e)}")


def one_line(error: BaseException) -> str:
    """An exception as one line of a summary: its type and the first line of its message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
