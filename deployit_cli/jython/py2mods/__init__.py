"""Python 2 standard modules that Python 3 dropped or renamed, as old CLI scripts import them.

Only script namespaces see these (through their `__import__`); the rest of the process keeps the
real modules.
"""
