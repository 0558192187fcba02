from search import find

def test_found():
    assert find([1, 3, 5, 7], 5) == 2

def test_first():
    assert find([1, 3, 5, 7], 1) == 0

def test_missing_low():
    assert find([1, 3, 5, 7], 0) == -1

def test_missing_mid():
    assert find([1, 3, 5, 7], 4) == -1
