"""API keys: an owner's scoped, revocable credentials for integrations (beside Cognito tokens)."""
