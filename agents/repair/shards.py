"""Split the user's suite into shards of about equal time, from the durations of the user's own
run, so the reproduction runs on every core instead of one: by test file, and a file that alone
would outlast a shard's share (a few slow or hanging tests in it) by its tests' node ids."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

# Below this many seconds of tests a second interpreter costs about what it saves.
MIN_SECONDS = 4.0


def split_suite(
    durations: Mapping[str, float], count: int, seconds: float = 0.0
) -> list[list[str]]:
    """Test files and node ids (as pytest takes them on its command line) in at most ``count``
    groups, the slowest first into the least loaded group; [] when one run is as good (one
    core, one test, a quick suite).

    ``seconds``: how long the whole run took. What the tests' durations leave out of it
    (collection, pytest's own work around each test) is spread over the tests evenly: on a
    suite of many quick tests it is most of the run."""
    if durations:
        overhead = max(0.0, seconds - sum(durations.values())) / len(durations)
        durations = {nodeid: spent + overhead for nodeid, spent in durations.items()}
    per_file: dict[str, float] = {}
    for nodeid, seconds in durations.items():
        path = nodeid.split("::", 1)[0]
        per_file[path] = per_file.get(path, 0.0) + seconds
    total = sum(per_file.values())
    if count < 2 or len(durations) < 2 or total < MIN_SECONDS:
        return []
    share = total / count
    big = {path for path, seconds in per_file.items() if seconds > share}
    units = {path: seconds for path, seconds in per_file.items() if path not in big}
    units.update(
        (nodeid, seconds)
        for nodeid, seconds in durations.items()
        if nodeid.split("::", 1)[0] in big
    )
    if len(units) < 2:
        return []
    groups: list[list[str]] = [[] for _ in range(min(count, len(units)))]
    loads = [0.0] * len(groups)
    for unit, seconds in sorted(units.items(), key=lambda item: (-item[1], item[0])):
        least = loads.index(min(loads))
        groups[least].append(unit)
        loads[least] += seconds
    return [sorted(group) for group in groups]


def shard_args(rootdir: Path, shard: Sequence[str]) -> list[str]:
    """A shard's files and node ids as command-line arguments, absolute under ``rootdir``;
    joined as text: a node id's parameters may hold what a path would normalize away."""
    return [f"{rootdir}{os.sep}{unit}" for unit in shard]
