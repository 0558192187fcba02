"""The ``aiap`` command line: parses the arguments and dispatches to ``agents.commands``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from agents.commands import undo


def _version() -> str:
    # From the installed distribution, not agents.__version__: an editable install may load
    # `agents` as a namespace package, without running its __init__.
    try:
        return metadata.version("aiap")
    except metadata.PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiap", description="AI auto-programming: repair failing tests, and undo it."
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {_version()}")
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

    help_parser = subparsers.add_parser("help", help="show help for a command")
    help_parser.add_argument("help_cmd", nargs="?", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)

    if args.command == "undo":
        if args.list:
            return undo.list_records(args.root)
        return undo.undo(args.root, force=args.force)
    if args.command == "help" and args.help_cmd:
        parser.parse_args([args.help_cmd, "--help"])  # exits, as pre-commit's `help CMD` does
    # No command, or bare `help`: the usage, as `pre-commit help` gives it.
    parser.print_help()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
