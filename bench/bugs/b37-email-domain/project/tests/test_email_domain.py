import pytest
from emails import domain, same_domain

def test_simple():
    assert domain("ann@Example.org") == "example.org"

def test_quoted_local_part():
    assert domain('"a@b"@mail.net') == "mail.net"

def test_invalid():
    with pytest.raises(ValueError):
        domain("nobody")

def test_same():
    assert same_domain("a@x.io", "b@X.io")
