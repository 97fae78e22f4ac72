"""Tests of the embedded cloud itself."""
