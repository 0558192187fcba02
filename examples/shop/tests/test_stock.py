from shop.stock import needs_reorder


def test_reorder_when_free_stock_at_minimum():
    assert needs_reorder(on_hand=12, reserved=2, minimum=10)


def test_no_reorder_with_plenty():
    assert not needs_reorder(on_hand=50, reserved=5, minimum=10)
