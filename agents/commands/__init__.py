"""One module per ``aiap`` command; ``agents.cli`` only parses the arguments and dispatches."""
