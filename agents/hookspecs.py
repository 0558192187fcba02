"""Hook specifications for engines: the offline engine, the LLM engine and third-party ones.

An engine is a pluggy plugin registered under its name; the orchestrator asks the engines the
user selected, in order, for candidate patches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pluggy
from pydantic import BaseModel, ConfigDict, Field

from aiap.models import CodePatch, Failure, Location, RunState, Verdict

hookspec = pluggy.HookspecMarker("aiap")
hookimpl = pluggy.HookimplMarker("aiap")


class RepairRequest(BaseModel):
    """What an engine gets to propose patches from."""

    model_config = ConfigDict(frozen=True)

    root: str  # the workspace root: read sources here, never write
    failures: list[Failure]
    locations: list[Location]  # most suspicious first
    sources: dict[str, str] = Field(default_factory=dict)  # path -> text, for suspicious files
    test_files: list[str] = Field(default_factory=list)  # never to be edited


@hookspec
def aiap_propose_patches(request: RepairRequest) -> Iterable[CodePatch] | None:
    """Yield candidate patches for the failures, cheapest and likeliest first.

    Return None when the engine has nothing to offer. Patches need ``edits``, ``engine``,
    ``operator``, ``description`` and ``score``, and may set ``prior`` (how likely an edit of
    this kind is the fix) and ``size``; the orchestrator fills ``diff``, ``files`` and, when the
    engine left it 0, ``size``, and validates each one.
    """
    raise NotImplementedError


@hookspec
def aiap_patch_rejected(patch: CodePatch, verdict: Verdict) -> None:
    """A patch the engine proposed failed validation; ``verdict`` says how.

    Called before the engine is asked for its next candidate, so an engine that learns from
    its mistakes (the LLM engine) can put the reason in its next request.
    """


@hookspec
def aiap_search_finished(state: RunState) -> None:
    """The run is over: add the engine's messages and accounting to ``state``."""
