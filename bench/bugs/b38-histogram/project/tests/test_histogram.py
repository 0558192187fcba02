from histogram import buckets

def test_empty():
    assert buckets([], 10, 3) == [0, 0, 0]

def test_first_bucket():
    assert buckets([1, 2], 10, 3) == [2, 0, 0]

def test_spread():
    assert buckets([5, 15, 25, 99], 10, 3) == [1, 1, 2]
