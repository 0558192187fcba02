"""Code review of a change: ruff findings, security checks, and an LLM review when configured."""
