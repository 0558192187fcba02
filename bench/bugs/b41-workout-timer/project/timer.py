"""Workout timer: durations shown as h:mm:ss and laps totalled."""


def split_duration(seconds: int) -> tuple[int, int, int]:
    """Hours, minutes and seconds of a duration given in whole seconds."""
    hours = seconds // 3600
    minutes = seconds % 3600 / 60
    secs = seconds // 60
    return hours, minutes, secs


def format_duration(seconds: int) -> str:
    hours, minutes, secs = split_duration(seconds)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def total_time(laps: list[int]) -> str:
    """The laps' total, formatted; an empty workout is 0:00."""
    return format_duration(sum(laps))
