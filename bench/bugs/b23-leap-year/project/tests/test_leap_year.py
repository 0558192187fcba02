from calendar_utils import days_in_february, is_leap

def test_ordinary_year():
    assert not is_leap(2023)

def test_leap_year():
    assert is_leap(2024)

def test_century():
    assert not is_leap(1900)

def test_four_hundred():
    assert is_leap(2000)

def test_february():
    assert days_in_february(2024) == 29
