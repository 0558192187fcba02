"""aiap's agent core: the stages shared by the pytest plugin, the pre-commit hooks and the CLI.

Nothing here imports pytest's plugin API or pre-commit: the doors translate their world into
calls on these modules.
"""

__version__ = "0.1.0"


def version() -> str:
    """The installed distribution's version, as pip and bug reports see it."""
    from importlib import metadata

    try:
        return metadata.version("aiap")
    except metadata.PackageNotFoundError:
        return __version__
