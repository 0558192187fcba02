"""Source listings for the code viewer."""


def count_nonblank(lines):
    """Lines with something on them."""
    count = 0
    for line in lines:
        if line.strip():
            count += 1
    return count


def number_lines(lines, start=1):
    """Each line prefixed with its number."""
    out = []
    n = start
    for line in lines:
        out.append(f"{n}: {line.rstrip()}")
        n += 1
    return out
