from build import build_order

def test_no_steps():
    assert build_order({}) == []

def test_chain():
    assert build_order({"c": ["b"], "b": ["a"], "a": []}) == ["a", "b", "c"]

def test_shared_dependency_built_once():
    order = build_order({"app": ["lib", "util"], "lib": ["util"], "util": []})
    assert order == ["util", "lib", "app"]
