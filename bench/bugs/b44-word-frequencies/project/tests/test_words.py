from words import word_counts

def test_empty():
    assert word_counts("") == {}

def test_repeat():
    assert word_counts("a b a") == {"a": 2, "b": 1}
