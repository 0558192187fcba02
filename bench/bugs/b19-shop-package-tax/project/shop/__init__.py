"""A shop package: carts priced through the tax module."""
