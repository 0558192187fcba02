from limiter import RateLimiter

def test_under_limit():
    rl = RateLimiter(2, 10)
    assert rl.allow(0) and rl.allow(1)

def test_over_limit():
    rl = RateLimiter(2, 10)
    rl.allow(0)
    rl.allow(1)
    assert not rl.allow(2)

def test_window_slides():
    rl = RateLimiter(2, 10)
    rl.allow(0)
    rl.allow(1)
    assert rl.allow(10.5)
