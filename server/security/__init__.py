"""Users, passwords and secrets."""
