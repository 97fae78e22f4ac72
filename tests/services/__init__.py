"""Services against a table of their own, shaped like the template's (no HTTP, no pollers)."""
