from menu import flatten

def test_flat():
    assert flatten(["home", "about"]) == ["home", "about"]

def test_nested():
    assert flatten(["home", ["docs", ["api"]], "about"]) == ["home", "docs", "api", "about"]

def test_empty():
    assert flatten([]) == []
