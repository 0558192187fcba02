from conf import parse

def test_simple():
    assert parse("a = 1\nb=2") == {"a": "1", "b": "2"}

def test_blank_lines():
    assert parse("\n\na = 1\n") == {"a": "1"}

def test_comments():
    assert parse("# comment\na = 1") == {"a": "1"}
