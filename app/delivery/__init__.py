"""Delivery, a module per step: start, wait, send, pause (and resume), finish, feedback."""
