from invoice import gross_total, net_total, vat

LINES = [(2, 10.0), (1, 5.5)]

def test_net():
    assert net_total(LINES) == 25.5

def test_net_empty():
    assert net_total([]) == 0

def test_vat():
    assert vat(LINES) == 5.1

def test_vat_custom_rate():
    assert vat([(1, 100.0)], rate=0.055) == 5.5

def test_gross():
    assert gross_total(LINES) == 30.6
