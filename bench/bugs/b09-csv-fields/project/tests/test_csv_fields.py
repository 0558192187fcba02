from csvline import as_record, fields

def test_blank():
    assert fields("   ") == []

def test_plain():
    assert fields("a,b,c") == ["a", "b", "c"]

def test_padded():
    assert fields(" a , b,c ") == ["a", "b", "c"]

def test_record():
    assert as_record("name, age", "Ann, 31") == {"name": "Ann", "age": "31"}
