"""``aiap gen-tests``: write tests for the lines the suite does not cover; print the table."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from aiap.sandbox import SETTINGS

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiap.config import AiapConfig
    from aiap.testgen.llm import ModelComplete
    from aiap.testgen.models import GenerationReport


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="source files or directories (default: the whole project)",
    )
    data = parser.add_mutually_exclusive_group()
    data.add_argument(
        "--coverage-file",
        type=Path,
        metavar="FILE",
        help="coverage.py data file of the suite (default: run the suite)",
    )
    data.add_argument(
        "--coverage-xml", type=Path, metavar="FILE", help="coverage.xml (Cobertura) of the suite"
    )
    parser.add_argument(
        "--diff-base", metavar="REF", help="only lines changed since this git revision are targets"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("tests/generated"),
        metavar="DIR",
        help="where the test files go (default: tests/generated)",
    )
    parser.add_argument(
        "--time-budget",
        type=_positive(float),
        default=60.0,
        metavar="SECONDS",
        help="time for the whole run, all modules together (default: 60); the search goes on "
        "while goals are left and time remains",
    )
    parser.add_argument(
        "--max-candidates",
        type=_positive(int),
        metavar="N",
        help="stop each module's search after N calls (a result that does not depend on the "
        "machine's speed)",
    )
    parser.add_argument("--engine", choices=("auto", "offline", "llm"), default="auto")
    parser.add_argument(
        "--model",
        help="litellm model name for the LLM generator (default: [tool.aiap] model, AIAP_MODEL)",
    )
    parser.add_argument("--api-base", metavar="URL", help="base URL of the model's server")
    parser.add_argument(
        "--no-cache", action="store_true", help="ask the model again instead of using its cache"
    )
    parser.add_argument("--seed", type=int, default=0, help="the search's random seed")
    parser.add_argument(
        "--sandbox",
        choices=SETTINGS,
        default=None,
        help="where the generated tests run: bwrap, docker, none, or auto (bwrap where it works; "
        "default: [tool.aiap] sandbox, AIAP_SANDBOX, else auto)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write no file; report the coverage the kept tests would reach",
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        metavar="PCT",
        help="exit 1 when line coverage of the targets stays below PCT",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write the report (per module coverage and verdicts) as JSON",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="project root (default: the current directory)",
    )


def _command(argv: Sequence[str]) -> str:
    return shlex.join(["aiap", "gen-tests", *argv])


def gen_tests(args: argparse.Namespace, argv: Sequence[str]) -> int:
    # Imported here: libcst and coverage are not needed by the other commands.
    from aiap.testgen.generate import GenerationError, GenOptions, generate
    from aiap.testgen.targets import TargetError

    root = (args.root or Path.cwd()).resolve()
    try:
        config = _config(args, root)
        complete = _model(args, root, config)
    except ValueError as e:
        print(f"aiap: {e}", file=sys.stderr)
        return 2
    options = GenOptions(
        root=root,
        paths=args.paths,
        coverage_file=args.coverage_file,
        coverage_xml=args.coverage_xml,
        diff_base=args.diff_base,
        out=args.out,
        time_budget=args.time_budget,
        engine=args.engine,
        seed=args.seed,
        max_candidates=args.max_candidates,
        write=not args.check,
        command=_command(argv),
        sandbox=config.sandbox,
    )
    try:
        report = generate(options, complete=complete, **_progress_printers(sys.stderr))
    except (GenerationError, TargetError) as e:
        print(f"aiap: {e}", file=sys.stderr)
        return 2
    for message in report.messages:
        print(f"aiap: {message}", file=sys.stderr)
    if complete is not None:
        for note in complete.notes():
            if note not in report.messages:
                print(f"aiap: {note}", file=sys.stderr)
        if complete.usage.calls:
            print(f"aiap: {complete.usage.describe()}", file=sys.stderr)
    print(table(report))
    if args.json is not None:
        args.json.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    if args.min_coverage is not None:
        reached = report.line_percent()
        if reached < args.min_coverage:
            print(
                f"aiap: line coverage {reached:.1f}% is below --min-coverage "
                f"{args.min_coverage:g}%",
                file=sys.stderr,
            )
            return 1
    return 0


def _config(args: argparse.Namespace, root: Path) -> AiapConfig:
    """[tool.aiap], AIAP_* and the flags; ValueError says what is wrong."""
    from aiap.config import ConfigError, load_config

    overrides = {"model": args.model, "api_base": args.api_base, "sandbox": args.sandbox}
    if args.no_cache:
        overrides["cache"] = False
    try:
        return load_config(root, overrides=overrides)
    except ConfigError as e:
        raise ValueError(str(e)) from None


def _model(args: argparse.Namespace, root: Path, config: AiapConfig) -> ModelComplete | None:
    """The LLM generator's model when one is configured and wanted; ValueError says what is
    missing when ``--engine llm`` cannot have one. ``auto`` without a model stays offline."""
    if args.engine == "offline":
        return None
    from aiap.engines import ModelSettings, llm_unavailable

    settings = ModelSettings(
        needs="--engine llm",
        model="[tool.aiap] model, AIAP_MODEL or --model",
        api_base="--api-base",
    )
    unavailable = llm_unavailable(config, settings)
    if unavailable is not None:
        if args.engine == "llm":
            raise ValueError(unavailable)
        return None
    from aiap.testgen.llm import ModelComplete

    # The model's share of the time: the whole budget, as the offline search keeps to its own.
    return ModelComplete(config, root, time.monotonic() + args.time_budget + config.llm_timeout)


def table(report: GenerationReport) -> str:
    header = (
        "module",
        "lines before",
        "lines after",
        "branches before",
        "branches after",
        "kept",
        "dropped",
    )
    rows = [header]
    for m in report.modules:
        reasons: dict[str, int] = {}
        for v in m.verdicts:
            if v.verdict != "kept":
                reasons[v.verdict] = reasons.get(v.verdict, 0) + 1
        dropped = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())) or "0"
        rows.append(
            (
                m.path,
                f"{m.lines_before}/{m.lines_total}",
                f"{m.lines_after}/{m.lines_total}",
                f"{m.branches_before}/{m.branches_total}",
                f"{m.branches_after}/{m.branches_total}",
                str(m.kept()),
                dropped,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    written = [path for m in report.modules for path in m.outputs]
    if not report.modules:  # every file was skipped, each with its line on stderr
        lines.append("no module was measured; no file written")
        return "\n".join(lines)
    lines.append(
        f"line coverage of these modules: {report.line_percent(after=False):.1f}% -> "
        f"{report.line_percent():.1f}%; {len(written)} file(s): "
        f"{', '.join(written) or 'none'}"
    )
    return "\n".join(lines)


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse type: a number above zero, else argparse's one-line usage error."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above zero: {text}")
        return value

    return parse


def _progress_printers(stream: TextIO) -> dict[str, Callable[[str], None]]:
    """A line per stage and module; on a terminal also a counter, redrawn in place."""
    if not stream.isatty():
        return {"progress": lambda m: print(f"aiap: {m}", file=stream)}
    clear = "\r\x1b[K"  # back to the line's start, erase it

    def progress(message: str) -> None:
        print(f"{clear}aiap: {message}", file=stream, flush=True)

    def status(message: str) -> None:
        print(f"{clear}aiap: {message}", end="", file=stream, flush=True)

    return {"progress": progress, "status": status}
