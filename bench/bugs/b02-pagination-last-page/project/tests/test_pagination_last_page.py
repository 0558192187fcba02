import pytest
from pages import page_count, page_slice

def test_exact_pages():
    assert page_count(20, 10) == 2

def test_partial_last_page():
    assert page_count(21, 10) == 3

def test_no_items():
    assert page_count(0, 10) == 0

def test_bad_per_page():
    with pytest.raises(ValueError):
        page_count(5, 0)

def test_second_page():
    assert page_slice(list(range(25)), 2, 10) == list(range(10, 20))

def test_last_page_short():
    assert page_slice(list(range(25)), 3, 10) == [20, 21, 22, 23, 24]
