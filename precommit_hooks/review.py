"""``aiap-review``: a review of the staged change, only the lines it adds or modifies.

ruff's findings, security checks (eval/exec and shells on input, unsafe yaml and pickle, SQL
built by formatting, hard-coded credentials, assert for validation, swallowed exceptions) and an
LLM review when a model is configured. One line per finding: ``file:line: severity rule
message``. Exits 1 on a finding at or above ``--fail-on``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

PREFIX = "aiap-review"
FAIL_ON = ("info", "low", "medium", "high", "critical", "never")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PREFIX, description=__doc__)
    parser.add_argument("filenames", nargs="*", help="staged files (pre-commit passes them)")
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="high",
        help="lowest severity that blocks the commit (default: high)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="output: text lines, the report as JSON, or SARIF 2.1.0",
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout"
    )
    parser.add_argument(
        "--all-lines",
        action="store_true",
        help="review every line of the files, not only the staged changes",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from aiap.config import ConfigError, load_config
    from aiap.review.reviewer import review, rule_descriptions

    root = Path.cwd()  # pre-commit runs hooks at the top of the repository
    try:
        config = load_config(root)
    except ConfigError as e:
        print(f"{PREFIX}: {e}", file=sys.stderr)
        return 1
    report = review(root, args.filenames, config, whole_files=args.all_lines)
    for message in report.messages:
        print(f"{PREFIX}: {message}", file=sys.stderr)
    if args.format == "text":
        text = "".join(f"{f.where()}: {f.severity} {f.rule} {f.message}\n" for f in report.findings)
    elif args.format == "json":
        text = report.model_dump_json(indent=2) + "\n"
    else:
        from aiap import version
        from aiap.review.sarif import to_sarif

        sarif = to_sarif(report, rule_descriptions(), version())
        text = json.dumps(sarif, indent=2) + "\n"
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    blocking = [] if args.fail_on == "never" else report.at_or_above(args.fail_on)
    if blocking and args.format == "text" and args.output is None:
        print(
            f"{PREFIX}: {len(blocking)} finding(s) at or above {args.fail_on}: commit blocked",
            file=sys.stderr,
        )
    return 1 if blocking else 0


if __name__ == "__main__":
    raise SystemExit(main())
