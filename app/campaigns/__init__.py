"""Campaigns: compose drafts, preview and test them, send now or on a schedule, and their stats."""
