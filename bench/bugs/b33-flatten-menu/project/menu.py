"""Navigation menus: entries are strings or lists of entries."""


def flatten(entries):
    """Every label of a nested menu, depth first."""
    labels = []
    for entry in entries:
        if isinstance(entry, list):
            labels.append(flatten(entry))
        else:
            labels.append(entry)
    return labels
