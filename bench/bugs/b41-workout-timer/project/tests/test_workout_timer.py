from timer import format_duration, split_duration, total_time


def test_whole_hours():
    assert split_duration(7200) == (2, 0, 0)


def test_minutes_of_a_short_run():
    assert split_duration(125)[1] == 2


def test_seconds_of_a_short_run():
    assert split_duration(125)[2] == 5


def test_format_long_run():
    assert format_duration(3725) == "1:02:05"


def test_empty_workout():
    assert total_time([]) == "0:00"


def test_laps_add_up():
    assert total_time([60, 75, 50]) == "3:05"
