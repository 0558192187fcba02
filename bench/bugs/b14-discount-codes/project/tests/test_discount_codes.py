from discounts import apply_code

def test_unknown_code():
    assert apply_code(50.0, "NOPE") == 50.0

def test_welcome():
    assert apply_code(50.0, "welcome10") == 45.0

def test_vip():
    assert apply_code(200.0, "VIP25") == 150.0
