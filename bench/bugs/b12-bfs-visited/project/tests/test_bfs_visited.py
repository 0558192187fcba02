from network import hops

LINKS = {"a": ["b", "c"], "b": ["e"], "c": ["d"], "d": ["e"]}

def test_alone():
    assert hops({}, "x") == {"x": 0}

def test_line():
    assert hops({"a": ["b"], "b": ["c"]}, "a") == {"a": 0, "b": 1, "c": 2}

def test_longer_path_does_not_win():
    assert hops(LINKS, "a") == {"a": 0, "b": 1, "c": 1, "d": 2, "e": 2}
