"""Alembic's script directory: the environment (env.py) and the schema's revisions (versions/)."""
