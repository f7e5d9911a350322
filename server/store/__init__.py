"""The store layer: the database's schema and its versions (today: migrations; the tables and the one write
path move here from the services, see ARCHITECTURE.md)."""
