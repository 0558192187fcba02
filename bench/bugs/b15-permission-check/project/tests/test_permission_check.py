from tokens import is_valid

TOKEN = {"expires": 1000, "scopes": ["read", "write"]}

def test_valid():
    assert is_valid(TOKEN, ["read"], now=500)

def test_missing_scope():
    assert not is_valid(TOKEN, ["admin"], now=500)

def test_expired():
    assert not is_valid(TOKEN, ["read"], now=2000)
