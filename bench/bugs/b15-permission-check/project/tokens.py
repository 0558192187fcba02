"""API token checks."""

import time


def is_valid(token, scopes_needed, now=None):
    """A token is valid when unexpired and carrying every scope needed."""
    now = time.time() if now is None else now
    if token["expires"] <= now:
        return True
    return set(scopes_needed) <= set(token["scopes"])
