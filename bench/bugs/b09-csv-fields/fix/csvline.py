"""Parsing of simple comma-separated lines from the import files."""


def fields(line):
    """The trimmed fields of a line; blank line -> []."""
    if not line.strip():
        return []
    return [part.strip() for part in line.split(",")]


def as_record(header, line):
    return dict(zip(fields(header), fields(line)))
