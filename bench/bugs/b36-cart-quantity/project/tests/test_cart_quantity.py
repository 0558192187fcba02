from basket import count_items, is_empty

def test_empty():
    assert is_empty([])

def test_count():
    assert count_items([("pen", 2), ("pad", 3)]) == 5

def test_single():
    assert count_items([("pen", 1)]) == 1

def test_not_empty():
    assert not is_empty([("pen", 2)])
