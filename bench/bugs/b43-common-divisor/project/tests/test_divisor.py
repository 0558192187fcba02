from divisor import gcd

def test_same():
    assert gcd(5, 0) == 5

def test_pair():
    assert gcd(12, 18) == 6

def test_coprime():
    assert gcd(7, 3) == 1
