from upload import chunk_count, chunks

def test_exact():
    assert chunks(b"abcdef", 3) == [b"abc", b"def"]

def test_partial_last():
    assert chunks(b"abcdefg", 3) == [b"abc", b"def", b"g"]

def test_count():
    assert chunk_count(7, 3) == 3

def test_empty():
    assert chunks(b"", 4) == []
