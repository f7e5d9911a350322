"""The store layer, below every service: the tables by owner (tables/), the Database and its one write path
(database.py), dates (dates.py), secrets at rest (secrets.py), and the schema's versions (schema_version.py and
migrations/). See ARCHITECTURE.md, "Storage and migrations"."""
