"""Split the user's suite by test file into shards of about equal time, from the durations of
the user's own run, so the reproduction runs on every core instead of one."""

from __future__ import annotations

from collections.abc import Mapping

# Below this many seconds of tests a second interpreter costs about what it saves.
MIN_SECONDS = 4.0


def split_by_file(durations: Mapping[str, float], count: int) -> list[list[str]]:
    """Test files (as in the node ids) in at most ``count`` groups, the slowest file first into
    the least loaded group; [] when one run is as good (one core, one file, a quick suite)."""
    per_file: dict[str, float] = {}
    for nodeid, seconds in durations.items():
        path = nodeid.split("::", 1)[0]
        per_file[path] = per_file.get(path, 0.0) + seconds
    if count < 2 or len(per_file) < 2 or sum(per_file.values()) < MIN_SECONDS:
        return []
    groups: list[list[str]] = [[] for _ in range(min(count, len(per_file)))]
    loads = [0.0] * len(groups)
    for path, seconds in sorted(per_file.items(), key=lambda item: (-item[1], item[0])):
        least = loads.index(min(loads))
        groups[least].append(path)
        loads[least] += seconds
    return [sorted(group) for group in groups]
