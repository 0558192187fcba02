"""Comment threads: each comment is {"text": ..., "replies": [...]}."""


def depth(comment):
    """Levels in the thread rooted at comment (a lone comment has depth 1)."""
    replies = comment.get("replies", [])
    if not replies:
        return 1
    return max(depth(reply) for reply in replies)


def count(comment):
    return 1 + sum(count(reply) for reply in comment.get("replies", []))
