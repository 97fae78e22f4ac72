"""Worker Lambdas: one module per function; each parses its event and calls a service."""
