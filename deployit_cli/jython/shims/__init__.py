"""Python stand-ins for the Java classes old CLI scripts import; loaded by `importer` on first import."""
