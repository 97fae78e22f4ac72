"""Transactional send: one message to one address through the API, idempotent, with its record."""
