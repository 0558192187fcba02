"""A sliding-window rate limiter for the public API."""


class RateLimiter:
    def __init__(self, limit, window):
        self.limit = limit
        self.window = window
        self.calls = []

    def allow(self, now):
        """True (and the call is counted) when fewer than `limit` calls in the window."""
        self.calls = [t for t in self.calls if t > now - self.window]
        if len(self.calls) >= self.limit:
            return False
        self.calls.append(now)
        return True
