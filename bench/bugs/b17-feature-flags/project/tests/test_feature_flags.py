from flags import Flags

def make():
    return Flags({"dark_mode": True, "beta": False})

def test_default_on():
    assert make().enabled("dark_mode")

def test_default_off():
    assert not make().enabled("beta")

def test_unknown_is_off():
    assert not make().enabled("nothing")

def test_override():
    f = make()
    f.set_for("ann", "beta", True)
    assert f.enabled("beta", user="ann")
