"""Sign-up, confirmation, log-in, refresh and log-out against the Cognito user pool."""
