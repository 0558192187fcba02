from clipping import clip

def test_inside():
    assert clip([5], 0, 10) == [5]

def test_both_sides():
    assert clip([-3, 12, 4], 0, 10) == [0, 10, 4]
