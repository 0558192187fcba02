"""E-mail address helpers for the mailing list."""


def domain(address):
    """Lower-case domain of an address (after its last @)."""
    at = address.rfind("@")
    if at < 0:
        raise ValueError(f"not an address: {address}")
    return address[at + 1:].lower()


def same_domain(a, b):
    return domain(a) == domain(b)
