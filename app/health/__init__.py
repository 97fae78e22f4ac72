"""Liveness of the API."""
