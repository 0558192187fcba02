from weather import spread, warmest

def test_no_readings():
    assert warmest([]) is None

def test_summer_day():
    assert warmest([18, 25, 21]) == 25

def test_winter_day():
    assert warmest([-7, -3, -12]) == -3

def test_spread():
    assert spread([10, 15, 12]) == 5
