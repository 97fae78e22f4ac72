"""Lists, subscribers and the account-wide suppression list."""
