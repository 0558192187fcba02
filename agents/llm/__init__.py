"""The LLM engine: patches proposed by a model through litellm, as SEARCH/REPLACE blocks."""
