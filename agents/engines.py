"""The engines that propose patches: pluggy plugins of agents.hookspecs, chosen by name."""

from __future__ import annotations

from collections.abc import Iterator

import pluggy

from agents import hookspecs
from agents.hookspecs import RepairRequest
from agents.models import CodePatch


class EngineUnavailable(Exception):
    """The engine asked for cannot run here; the message says what to do."""


def plugin_manager() -> pluggy.PluginManager:
    from agents.offline.plugin import OfflineEngine

    pm = pluggy.PluginManager("aiap")
    pm.add_hookspecs(hookspecs)
    pm.register(OfflineEngine(), name="offline")
    pm.load_setuptools_entrypoints("aiap")  # third-party engines
    return pm


def select_engines(pm: pluggy.PluginManager, choice: str) -> list[str]:
    """Engine names in the order they are asked: cheapest first."""
    if choice == "llm":
        raise EngineUnavailable(
            "the LLM engine is not available yet in this version of aiap; "
            "use --aiap-engine=offline (or auto)"
        )
    if choice == "offline":
        return ["offline"]
    names = [name for name, _ in pm.list_name_plugin() if name]
    return ["offline"] + sorted(n for n in names if n != "offline")


def propose(pm: pluggy.PluginManager, engine: str, request: RepairRequest) -> Iterator[CodePatch]:
    """Candidates from one engine, in the order it yields them."""
    others = [plugin for name, plugin in pm.list_name_plugin() if name != engine]
    caller = pm.subset_hook_caller("aiap_propose_patches", remove_plugins=others)
    for result in caller(request=request):
        if result is not None:
            yield from result
