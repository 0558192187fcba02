"""Warehouse stock levels."""


class Stock:
    def __init__(self, threshold):
        self.threshold = threshold
        self.levels = {}

    def receive(self, sku, qty):
        self.levels[sku] = self.levels.get(sku, 0) + qty

    def ship(self, sku, qty):
        have = self.levels.get(sku, 0)
        if qty > have:
            raise ValueError(f"only {have} of {sku} left")
        self.levels[sku] = have - qty

    def to_reorder(self):
        """SKUs at or below the reorder threshold, sorted."""
        return sorted(sku for sku, qty in self.levels.items() if qty < self.threshold)
