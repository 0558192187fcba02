import pytest
from stock import Stock

def make():
    s = Stock(threshold=5)
    s.receive("pen", 10)
    s.receive("ink", 3)
    return s

def test_receive_adds():
    s = make()
    s.receive("pen", 2)
    assert s.levels["pen"] == 12

def test_ship_too_much():
    with pytest.raises(ValueError):
        make().ship("ink", 4)

def test_low_stock_listed():
    assert make().to_reorder() == ["ink"]

def test_exactly_at_threshold_listed():
    s = make()
    s.ship("pen", 5)
    assert s.to_reorder() == ["ink", "pen"]

def test_plenty_not_listed():
    s = make()
    s.receive("ink", 10)
    assert s.to_reorder() == []
