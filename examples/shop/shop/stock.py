"""Stock levels and reordering."""


def needs_reorder(on_hand: int, reserved: int, minimum: int) -> bool:
    """True when what is free to sell has fallen to the minimum or below."""
    return on_hand - reserved <= minimum
