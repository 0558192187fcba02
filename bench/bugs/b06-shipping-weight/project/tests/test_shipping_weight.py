from shipping import fee

def test_free_shipping():
    assert fee(150.0, 3.0) == 0.0

def test_light_parcel():
    assert fee(20.0, 1.0) == 5.5

def test_heavy_parcel():
    assert fee(20.0, 4.0) == 10.0

def test_two_parcels():
    assert fee(20.0, 2.0, parcels=2) == 11.0
