"""Password policy checks for sign-up."""

MIN_LENGTH = 8


def strong_enough(password):
    """At least MIN_LENGTH characters, with both a letter and a digit."""
    if len(password) < MIN_LENGTH:
        return False
    has_letter = any(c.isalpha() for c in password)
    has_digit = any(c.isdigit() for c in password)
    return has_letter and has_digit
