"""Reading `key = value` settings files."""


def parse(text):
    """Settings of a file; blank lines and # comments are skipped."""
    settings = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        settings[key.strip()] = value.strip()
    return settings
