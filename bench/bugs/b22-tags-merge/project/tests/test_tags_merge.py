from tags import all_tags

def test_no_posts():
    assert all_tags([]) == []

def test_untagged():
    assert all_tags([{"title": "x"}]) == []

def test_merged_in_order():
    posts = [{"tags": ["py", "web"]}, {"tags": ["web", "db"]}]
    assert all_tags(posts) == ["py", "web", "db"]
