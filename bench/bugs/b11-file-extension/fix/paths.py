"""File name helpers for the upload service."""


def extension(filename):
    """Lower-case extension without the dot; '' when there is none."""
    dot = filename.rfind(".")
    if dot <= 0:
        return ""
    return filename[dot + 1:].lower()


def is_image(filename):
    return extension(filename) in {"png", "jpg", "jpeg", "gif"}
