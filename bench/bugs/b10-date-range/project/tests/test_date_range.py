from datetime import date
from booking import days_between, nights, price

def test_days_between():
    assert days_between(date(2024, 3, 1), date(2024, 3, 4)) == 3

def test_three_nights():
    assert nights(date(2024, 5, 10), date(2024, 5, 13)) == 3

def test_same_day_counts_one_night():
    assert nights(date(2024, 5, 10), date(2024, 5, 10)) == 1

def test_price():
    assert price(date(2024, 5, 1), date(2024, 5, 3), 80) == 160
