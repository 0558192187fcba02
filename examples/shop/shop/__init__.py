"""A tiny shop: prices, discounts and stock, with one bug for aiap to find."""
