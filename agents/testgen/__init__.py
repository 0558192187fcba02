"""Test generation for uncovered lines: ``aiap gen-tests``."""
