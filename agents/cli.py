"""The ``aiap`` command line: parses the arguments and dispatches to ``aiap.commands``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from aiap import version
from aiap.commands import gen_tests, undo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiap",
        description=(
            "aiap: generate tests for the lines and branches your suite does not cover "
            "(gen-tests) and undo a patch aiap applied (undo). Failing tests are repaired "
            "through `pytest --aiap-fix` and the `aiap-fix` pre-commit hook, not this command."
        ),
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")

    undo_parser = subparsers.add_parser(
        "undo", help="restore the files of the last applied patch, byte-identical"
    )
    mode = undo_parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--force", action="store_true", help="restore even files edited since the patch"
    )
    mode.add_argument("--list", action="store_true", help="show what can be undone, newest first")
    undo_parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="project root (default: the nearest directory above the cwd holding .aiap/)",
    )

    gen_parser = subparsers.add_parser(
        "gen-tests", help="write tests for the lines and branches the suite does not cover"
    )
    gen_tests.add_arguments(gen_parser)

    help_parser = subparsers.add_parser("help", help="show help for a command")
    help_parser.add_argument("help_cmd", nargs="?", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)

    if args.command == "undo":
        if args.list:
            return undo.list_records(args.root)
        return undo.undo(args.root, force=args.force)
    if args.command == "gen-tests":
        return gen_tests.gen_tests(args, argv[1:])
    if args.command == "help" and args.help_cmd:
        parser.parse_args([args.help_cmd, "--help"])  # exits, as pre-commit's `help CMD` does
    # No command, or bare `help`: the usage, as `pre-commit help` gives it.
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
