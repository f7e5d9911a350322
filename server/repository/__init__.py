"""The repository of configuration items: storage, validation, history and queries."""
