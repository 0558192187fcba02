"""One module per ``aiap`` command; ``aiap.cli`` only parses the arguments and dispatches."""
