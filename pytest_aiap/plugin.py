"""pytest plugin: ``pytest --aiap-fix`` repairs failing tests with aiap's core.

Loading this module costs nothing: it declares options, and registers the repair machinery only
when ``--aiap-fix`` (or ``--aiap-apply``) is on, as pytest's stepwise plugin does.
"""

from __future__ import annotations

import os
import sys

import pytest

ENGINES = ("auto", "offline", "llm")
SANDBOXES = ("auto", "bwrap", "docker", "none")  # aiap.sandbox.SETTINGS (a test checks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aiap", "aiap: repair failing tests")
    group.addoption(
        "--aiap-fix",
        action="store_true",
        default=False,
        help="after the run, search a validated minimal patch for the failing tests "
        "and show it (nothing is written)",
    )
    group.addoption(
        "--aiap-apply",
        action="store_true",
        default=False,
        help="like --aiap-fix, and write the validated patch to your files (undo with `aiap undo`)",
    )
    group.addoption(
        "--aiap-engine",
        choices=ENGINES,
        default=None,
        help="where patches come from: auto (default), offline, llm",
    )
    group.addoption(
        "--aiap-budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds for the whole repair after your run, final check included (default 120)",
    )
    group.addoption(
        "--aiap-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wall-clock limit per test run during the search (default: from test durations)",
    )
    group.addoption(
        "--aiap-model",
        default=None,
        metavar="MODEL",
        help="litellm model name for the LLM engine (gpt-4.1-mini, anthropic/..., "
        "ollama/..., openai/NAME with --aiap-api-base)",
    )
    group.addoption(
        "--aiap-api-base",
        default=None,
        metavar="URL",
        help="base URL of the model's server (an OpenAI-compatible one for openai/NAME)",
    )
    group.addoption(
        "--aiap-sandbox",
        choices=SANDBOXES,
        default=None,
        help="where the tests and candidates run: auto (default: bwrap where it works), bwrap, "
        "docker, none",
    )
    group.addoption(
        "--aiap-no-cache",
        action="store_true",
        default=False,
        help="ask the model again instead of reusing answers cached under .aiap/",
    )
    parser.addini("aiap_engine", "aiap engine: auto, offline or llm", default=None)
    parser.addini("aiap_budget", "aiap search budget in seconds", default=None)
    parser.addini("aiap_timeout", "aiap wall-clock limit per test run, seconds", default=None)


def pytest_configure(config: pytest.Config) -> None:
    if not (config.getoption("aiap_fix") or config.getoption("aiap_apply")):
        return
    if os.environ.get("AIAP_CHILD"):
        return  # a run aiap itself started in its workspace
    if hasattr(config, "workerinput"):
        return  # xdist worker: the controller sees every report and repairs once
    if config.pluginmanager.is_blocked("terminal"):
        # The repair runs and reports in the terminal summary, which -p no:terminal removes.
        sys.stderr.write(
            "aiap: -p no:terminal turns off pytest's terminal summary, where aiap repairs and "
            "reports: nothing was searched\n"
        )
        return
    from pytest_aiap.repairsession import RepairSession

    config.pluginmanager.register(RepairSession(config), "aiap-repair")
