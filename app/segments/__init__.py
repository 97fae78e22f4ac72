"""Segments: saved rules over a list (or all lists) that a campaign can be sent to."""
