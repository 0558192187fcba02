"""``aiap-fix``: ruff fixes and formatting on the staged lines (``--all-lines``: the whole
files), then the tests of the staged files, and aiap's repair on the staged sources when a test
fails.

Exits 1 when it changed a file (one line per change: re-stage and commit again) or when a test
still fails; 0 when there was nothing to do.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

PREFIX = "aiap-fix"


def _say(line: str) -> None:
    print(f"{PREFIX}: {line}", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PREFIX, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    parser.add_argument("--no-ruff-fix", action="store_true", help="skip `ruff check --fix`")
    parser.add_argument("--no-ruff-format", action="store_true", help="skip `ruff format`")
    parser.add_argument(
        "--all-lines",
        action="store_true",
        help="keep ruff's changes to every line of the files, not only to the staged lines",
    )
    parser.add_argument(
        "--no-tests", action="store_true", help="only ruff: run no tests, repair nothing"
    )
    parser.add_argument(
        "--test-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall-clock limit for one run of the selected tests (default 60)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time for the repair search (default: [tool.aiap] budget, else 120)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from aiap.commitfix import FixOptions, fix_commit
    from aiap.config import ConfigError, load_config

    root = Path.cwd()  # pre-commit runs hooks at the top of the repository
    try:
        config = load_config(root, overrides={"budget": args.budget})
    except ConfigError as e:
        _say(str(e))
        return 1
    options = FixOptions(
        ruff_fix=not args.no_ruff_fix,
        ruff_format=not args.no_ruff_format,
        all_lines=args.all_lines,
        tests=not args.no_tests,
        test_timeout=args.test_timeout,
    )
    try:
        report = fix_commit(root, args.filenames, config, options, progress=_say)
    except KeyboardInterrupt:
        _say("interrupted; each file is as it was or fully fixed (aiap undo reverts a fix)")
        return 130
    for message in [*report.lint.messages, *report.messages]:
        _say(message)
    for path, summary in report.lint.changed.items():
        _say(f"{path}: {summary}")
    for path, description in report.patched.items():
        _say(f"{path}: patched: {description}")
    if report.failing:
        fixed = len(set(report.failing) - set(report.still_failing))
        _say(f"{len(report.failing)} test(s) failed, {fixed} fixed")
    for nodeid in report.still_failing:
        _say(f"still failing: {nodeid}")
    if report.changed:
        _say("files changed: review them, `git add` and commit again (undo: aiap undo)")
    return 1 if report.changed or report.still_failing or report.error else 0


if __name__ == "__main__":
    raise SystemExit(main())
