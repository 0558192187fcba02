from leaderboard import top

def test_empty():
    assert top({}) == []

def test_single():
    assert top({"ann": 5}) == ["ann"]

def test_order():
    assert top({"ann": 5, "bob": 9, "cy": 7, "dee": 1}) == ["bob", "cy", "ann"]

def test_ties_by_name():
    assert top({"zed": 4, "amy": 4}, n=2) == ["amy", "zed"]
