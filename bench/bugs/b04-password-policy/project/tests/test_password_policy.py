from policy import strong_enough

def test_too_short():
    assert not strong_enough("ab1")

def test_letters_and_digits():
    assert strong_enough("secret123")

def test_letters_only():
    assert not strong_enough("abcdefghij")

def test_digits_only():
    assert not strong_enough("1234567890")
