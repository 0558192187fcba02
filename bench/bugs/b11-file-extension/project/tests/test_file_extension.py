from paths import extension, is_image

def test_no_extension():
    assert extension("README") == ""

def test_hidden_file():
    assert extension(".bashrc") == ""

def test_simple():
    assert extension("photo.JPG") == "jpg"

def test_image():
    assert is_image("cat.png")

def test_not_image():
    assert not is_image("notes.txt")
