from grades import band

def test_fail():
    assert band(12) == "E"

def test_middle_of_band():
    assert band(65) == "C"

def test_top():
    assert band(95) == "A"

def test_on_boundary():
    assert band(70) == "B"
