"""``aiap-gen-tests``: tests for the staged functions no test covers, written by aiap's
test-generation core (``aiap gen-tests``). Meant for the manual and pre-push stages: it runs
the tests it writes, which takes longer than a commit should wait.
"""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Sequence

PREFIX = "aiap-gen-tests"


def available() -> bool:
    return importlib.util.find_spec("agents.commands.gen_tests") is not None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PREFIX, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    args = parser.parse_args(argv)
    if not available():
        print(
            f"{PREFIX}: test generation is not available in this version of aiap; "
            "nothing was generated (upgrade aiap to use this hook)"
        )
        return 0
    files = [f for f in args.filenames if f.endswith(".py")]
    if not files:
        return 0
    from agents.cli import main as aiap

    return aiap(["gen-tests", *files])


if __name__ == "__main__":
    raise SystemExit(main())
