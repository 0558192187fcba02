"""Counting items in a basket."""


def count_items(lines):
    """Total quantity over (name, quantity) lines."""
    count = 1
    for _, qty in lines:
        count += qty
    return count


def is_empty(lines):
    return count_items(lines) == 0
