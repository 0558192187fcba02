from datetime import date
from library.calendar import due_date
from library.fines import fine

def test_due_date():
    assert due_date(date(2024, 1, 1)) == date(2024, 1, 22)

def test_on_time():
    assert fine(date(2024, 1, 1), date(2024, 1, 10)) == 0

def test_returned_on_due_date():
    assert fine(date(2024, 1, 1), date(2024, 1, 22)) == 0

def test_four_days_late():
    assert fine(date(2024, 1, 1), date(2024, 1, 26)) == 1.0

def test_capped():
    assert fine(date(2024, 1, 1), date(2024, 6, 1)) == 5.0
