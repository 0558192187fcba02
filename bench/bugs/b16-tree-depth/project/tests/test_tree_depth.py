from threads import count, depth

LONE = {"text": "hi"}
NESTED = {"text": "a", "replies": [{"text": "b", "replies": [{"text": "c"}]}, {"text": "d"}]}

def test_lone_depth():
    assert depth(LONE) == 1

def test_nested_depth():
    assert depth(NESTED) == 3

def test_count():
    assert count(NESTED) == 4
