from slugs import slugify

def test_simple():
    assert slugify("Hello World") == "hello-world"

def test_punctuation_at_end():
    assert slugify("Ready? Go!") == "ready-go"

def test_leading_space():
    assert slugify("  Intro") == "intro"
