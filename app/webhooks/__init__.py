"""Webhooks: owners' HTTPS endpoints, and the signed delivery of their events to them."""
