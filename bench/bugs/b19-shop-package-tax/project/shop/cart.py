"""Carts."""

from shop.tax import rate_for


class Cart:
    def __init__(self, region):
        self.region = region
        self.items = []

    def add(self, name, price, qty=1):
        self.items.append((name, price, qty))

    def subtotal(self):
        return sum(price * qty for _, price, qty in self.items)

    def total(self):
        return round(self.subtotal() * (1 + rate_for(self.region)), 2)
