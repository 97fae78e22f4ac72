"""User profiles, the welcome email and the admin user list."""
