"""Security: users (users.py), roles and grants (store.py), the permission catalogue (permissions.py),
the checks and their management (service.py), what composite actions need (policy.py), the audit
trail (audit.py) and secrets at rest (secrets.py)."""
