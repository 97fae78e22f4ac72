"""Stored message templates (transactional mail) beside campaign templates, with the same merge tags."""
