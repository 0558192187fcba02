from lru import LRUCache

def test_get_missing():
    assert LRUCache(2).get("x") is None

def test_put_get():
    c = LRUCache(2)
    c.put("a", 1)
    assert c.get("a") == 1

def test_evicts_least_recent():
    c = LRUCache(2)
    c.put("a", 1)
    c.put("b", 2)
    c.get("a")
    c.put("c", 3)
    assert c.get("b") is None and c.get("a") == 1 and c.get("c") == 3
