"""Inventory items."""

from dataclasses import dataclass


@dataclass
class Item:
    sku: str
    price: float
    quantity: int

    def value(self):
        return self.price * self.quantity
