from names import initials, short_name

def test_initials():
    assert initials("ada lovelace") == "AL"

def test_single_name():
    assert initials("Plato") == "P"

def test_short_name():
    assert short_name("Grace Brewster Hopper") == "Grace H."
