"""Test data generated in code (nothing big is committed)."""
