"""Splitting uploads into chunks."""


def chunks(data, size):
    """Consecutive pieces of at most `size` bytes."""
    if size <= 0:
        raise ValueError("size must be positive")
    return [data[i:i + size] for i in range(0, len(data) - size + 1, size)]


def chunk_count(length, size):
    return (length + size - 1) // size
