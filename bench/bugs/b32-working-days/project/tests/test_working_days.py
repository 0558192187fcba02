from datetime import date
from workdays import add_working_days, is_working_day

def test_monday_is_working():
    assert is_working_day(date(2024, 6, 3))

def test_saturday_is_not():
    assert not is_working_day(date(2024, 6, 8))

def test_over_weekend():
    assert add_working_days(date(2024, 6, 7), 1) == date(2024, 6, 10)

def test_within_week():
    assert add_working_days(date(2024, 6, 3), 2) == date(2024, 6, 5)
