"""URL slugs for article titles."""

import re


def slugify(title):
    """Lower-case words joined by dashes, without a trailing dash."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower())
    if slug.endswith("-"):
        slug = slug[:-1]
    if slug.startswith("-"):
        slug = slug[1:]
    return slug
