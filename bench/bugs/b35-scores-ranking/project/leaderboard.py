"""Game leaderboards."""


def top(scores, n=3):
    """Names of the n best players, highest score first; ties by name."""
    ranked = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))
    return [name for name, _ in ranked[:n]]
