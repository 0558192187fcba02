"""Loaded by the project's interpreter in aiap's own test runs (see aiap/interpreter.py).

Appends aiap's import paths to sys.path, after the project's: the project's packages win, and
aiap's dependencies are still found. aiap's own packages (``aiap``, ``pytest_aiap``) are found
by a finder placed after the standard ones, from the directories aiap's interpreter loads them
from: an editable install maps them there with an import hook this interpreter does not have.
"""

import importlib.util
import os
import sys

for _entry in os.environ.get("AIAP_BRIDGE_PATH", "").split(os.pathsep):
    if _entry and _entry not in sys.path:
        sys.path.append(_entry)


class _AiapPackages:
    """Finds ``name`` at the directory aiap's interpreter loads it from (``name=dir`` pairs)."""

    def __init__(self, spec: str) -> None:
        self.packages = dict(item.split("=", 1) for item in spec.split(os.pathsep) if "=" in item)

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        where = self.packages.get(fullname)
        if where is None:
            return None
        return importlib.util.spec_from_file_location(
            fullname, os.path.join(where, "__init__.py"), submodule_search_locations=[where]
        )


if os.environ.get("AIAP_BRIDGE_PACKAGES"):
    sys.meta_path.append(_AiapPackages(os.environ["AIAP_BRIDGE_PACKAGES"]))
