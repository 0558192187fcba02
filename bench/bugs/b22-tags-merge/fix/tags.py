"""Tags of blog posts."""


def all_tags(posts):
    """Tags of every post, in order of first use, without repeats."""
    tags = []
    for post in posts:
        tags.extend(post.get("tags", []))
    return list(dict.fromkeys(tags))
