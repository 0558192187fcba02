"""Invoice totals with VAT."""

VAT_RATE = 0.2


def net_total(lines):
    """Sum of quantity x unit price over invoice lines."""
    return round(sum(qty * price for qty, price in lines), 2)


def vat(lines, rate=VAT_RATE):
    return round(net_total(lines) * rate, 2)


def gross_total(lines, rate=VAT_RATE):
    return round(net_total(lines) + vat(lines, rate), 2)
