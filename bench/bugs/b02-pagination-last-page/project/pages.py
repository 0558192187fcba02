"""Pagination helpers for list endpoints."""


def page_count(total, per_page):
    """Number of pages needed to show `total` items."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    return (total + per_page - 2) // per_page


def page_slice(items, page, per_page):
    """Items of 1-based `page`."""
    start = (page - 1) * per_page
    return items[start:start + per_page]
