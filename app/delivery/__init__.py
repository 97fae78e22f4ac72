"""Delivery: the state machine steps, the batch senders and the SES feedback."""
