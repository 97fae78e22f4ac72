"""SES: configuration sets and identities (`configuration`), the outbox, simulated events (`feedback`)."""
