from roman import parse

def test_single():
    assert parse("X") == 10

def test_additive():
    assert parse("XVI") == 16

def test_subtractive():
    assert parse("XIV") == 14

def test_year():
    assert parse("MCMXC") == 1990
