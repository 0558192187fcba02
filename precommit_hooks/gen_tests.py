"""``aiap-gen-tests``: tests for the staged functions no test covers, written by aiap's
test-generation core (``aiap gen-tests``). Meant for the manual and pre-push stages: it runs
the tests it writes, which takes longer than a commit should wait.

Exits 1 when it wrote a test file, as a hook that changes files does, so the user stages it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

PREFIX = "aiap-gen-tests"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PREFIX, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="search time for the whole run (default 30)",
    )
    args = parser.parse_args(argv)
    files = [f for f in args.filenames if f.endswith(".py")]
    if not files:
        return 0
    from aiap import tempdirs
    from aiap.cli import main as aiap
    from aiap.testgen.models import GenerationReport

    with tempdirs.temporary("gen-tests") as tmp:
        report_file = Path(tmp) / "report.json"
        code = aiap(
            ["gen-tests", "--time-budget", str(args.time_budget), "--json", str(report_file)]
            + files
        )
        if code != 0 or not report_file.exists():
            return code
        report = GenerationReport.model_validate_json(report_file.read_text(encoding="utf-8"))
    written = [out for module in report.modules for out in module.outputs]
    for out in written:
        print(f"{PREFIX}: wrote {out}; review it and stage it")
    return 1 if written else 0


if __name__ == "__main__":
    raise SystemExit(main())
