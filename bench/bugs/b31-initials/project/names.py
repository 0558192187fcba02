"""Display helpers for user names."""


def initials(full_name):
    """Upper-case first letters of each part of a name."""
    return "".join(part[-1].upper() for part in full_name.split())


def short_name(full_name):
    parts = full_name.split()
    if len(parts) < 2:
        return full_name
    return f"{parts[0]} {parts[-1][0]}."
