from warehouse.items import Item
from warehouse.report import most_valuable, total_value

ITEMS = [Item("a", 2.0, 10), Item("b", 50.0, 1), Item("c", 1.5, 4)]

def test_empty():
    assert total_value([]) == 0

def test_total():
    assert total_value(ITEMS) == 76.0

def test_most_valuable():
    assert most_valuable(ITEMS) == "b"

def test_none():
    assert most_valuable([]) is None
