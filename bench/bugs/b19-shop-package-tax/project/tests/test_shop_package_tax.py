from shop.cart import Cart

def test_empty_cart():
    assert Cart("FR").total() == 0

def test_subtotal():
    cart = Cart("FR")
    cart.add("mug", 8.0, 2)
    assert cart.subtotal() == 16.0

def test_total_france():
    cart = Cart("FR")
    cart.add("mug", 10.0)
    assert cart.total() == 12.0

def test_unknown_region():
    cart = Cart("XX")
    cart.add("mug", 10.0)
    assert cart.total() == 10.0
