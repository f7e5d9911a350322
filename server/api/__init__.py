"""The REST API: thin Starlette routes under /<context root>/deployit that parse and format."""
