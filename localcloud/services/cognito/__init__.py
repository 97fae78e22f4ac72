"""Cognito user pools: pools, clients and groups (`pools`), triggers around moto's answers (`triggers`)."""
