from series import moving_average

def test_window_of_two():
    assert moving_average([1, 3, 5, 7], 2) == [2.0, 4.0, 6.0]

def test_full_window():
    assert moving_average([2, 4], 2) == [3.0]

def test_window_too_large():
    assert moving_average([1], 3) == []

def test_window_of_one():
    assert moving_average([5, 6], 1) == [5.0, 6.0]
