"""Loaded by the project's interpreter in aiap's own test runs (see agents/interpreter.py).

Appends aiap's import paths to sys.path, after the project's: the project's packages win, and
aiap's helpers (agents.probe, agents.forkserver) and their dependencies are still found.
"""

import os
import sys

for _entry in os.environ.get("AIAP_BRIDGE_PATH", "").split(os.pathsep):
    if _entry and _entry not in sys.path:
        sys.path.append(_entry)
