from palindrome import is_palindrome

def test_simple():
    assert is_palindrome("abba")

def test_phrase():
    assert is_palindrome("A man, a plan, a canal: Panama")

def test_not():
    assert not is_palindrome("abc")
