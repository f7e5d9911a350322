"""Moving repository content in and out of the server: export/import of a subtree as an archive (cis.py),
run as tasks of the engine (tasks.py), and export of a package version as a DAR (dar.py)."""
