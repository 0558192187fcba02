"""Shipping fees."""

BASE_FEE = 4.0
PER_KG = 1.5
FREE_ABOVE = 100.0


def fee(order_total, weight_kg, parcels=1):
    """Shipping fee: free above FREE_ABOVE, else a base fee per parcel plus weight."""
    if order_total >= FREE_ABOVE:
        return 0.0
    return round(BASE_FEE * parcels + PER_KG * parcels, 2)
