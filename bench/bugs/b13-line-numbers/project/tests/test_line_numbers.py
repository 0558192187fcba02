from listing import count_nonblank, number_lines

def test_count_nonblank():
    assert count_nonblank(["a", "  ", "b"]) == 2

def test_no_lines():
    assert number_lines([]) == []

def test_one_line():
    assert number_lines(["x = 1"]) == ["1: x = 1"]

def test_numbers_advance():
    assert number_lines(["a", "b", "c"], start=10) == ["10: a", "11: b", "12: c"]
