from shop.pricing import basket_total, line_total


def test_small_quantities_pay_full_price():
    assert line_total(2.5, 4) == 10.0


def test_bulk_discount_from_ten_items():
    assert line_total(1.0, 10) == 9.0


def test_bulk_discount_above_ten_items():
    assert line_total(1.0, 20) == 18.0


def test_basket_adds_lines():
    assert basket_total([(2.5, 4), (1.0, 1)]) == 11.0
