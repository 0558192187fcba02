from jobs import JobQueue

def test_empty_queue():
    assert JobQueue().next_job() is None

def test_single_job():
    q = JobQueue()
    q.submit("a")
    assert q.next_job() == "a"
    assert len(q) == 0

def test_first_in_first_out():
    q = JobQueue()
    for job in ("a", "b", "c"):
        q.submit(job)
    assert [q.next_job(), q.next_job()] == ["a", "b"]
