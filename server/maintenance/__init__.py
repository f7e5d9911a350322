"""Server maintenance: garbage collection of the artifact store and maintenance (read-only) mode."""
