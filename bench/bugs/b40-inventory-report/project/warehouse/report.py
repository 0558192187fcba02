"""Inventory valuation."""

from warehouse.items import Item


def total_value(items):
    return round(sum(item.value() for item in items), 2)


def most_valuable(items):
    return max(items, key=lambda item: item.value()).sku if items else None
