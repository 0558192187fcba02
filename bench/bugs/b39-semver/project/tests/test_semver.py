from versions import newer

def test_major():
    assert newer("2.0.0", "1.9.9")

def test_older():
    assert not newer("1.2.3", "1.10.0")

def test_release_beats_pre_release():
    assert newer("1.0.0", "1.0.0-rc1")

def test_pre_release_order():
    assert newer("1.0.0-rc2", "1.0.0-rc1")
