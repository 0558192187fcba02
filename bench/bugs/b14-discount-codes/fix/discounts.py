"""Discount codes at checkout."""

CODES = {"WELCOME10": 0.10, "VIP25": 0.25}


def apply_code(total, code):
    """Total after the discount code; unknown codes change nothing."""
    rate = CODES.get(code.upper(), 0.0)
    total = total * (1 - rate)
    return round(total, 2)
