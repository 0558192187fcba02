from ranking import kth_largest

def test_first():
    assert kth_largest([3, 1, 2], 1) == 3

def test_second():
    assert kth_largest([5, 9, 1, 7], 2) == 7
