"""Prices of a basket, with bulk discounts."""

BULK_THRESHOLD = 10  # items of one product from which the bulk discount applies
BULK_DISCOUNT = 0.1


def line_total(unit_price: float, quantity: int) -> float:
    """Price of `quantity` items, with the bulk discount from BULK_THRESHOLD items on."""
    total = unit_price * quantity
    if quantity > BULK_THRESHOLD:
        total -= total * BULK_DISCOUNT
    return round(total, 2)


def basket_total(lines: list[tuple[float, int]]) -> float:
    return round(sum(line_total(price, qty) for price, qty in lines), 2)
