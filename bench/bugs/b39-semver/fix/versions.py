"""Comparing semantic versions for the updater."""


def parse(version):
    core, _, pre = version.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    return (major, minor, patch), pre


def newer(a, b):
    """True when version a is newer than b; a release beats its pre-releases."""
    core_a, pre_a = parse(a)
    core_b, pre_b = parse(b)
    if core_a != core_b:
        return core_a > core_b
    if not pre_a or not pre_b:
        return not pre_a and bool(pre_b)
    return pre_a > pre_b
