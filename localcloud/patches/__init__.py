"""Narrow fixes to moto, one module per service, applied once when a cloud starts.

Each patch keeps moto's answers as they were (a test per patch compares them with the original,
which stays reachable as the replacement's `__wrapped__`) and changes only what the embedded
cloud cannot live with: work that grows with the data, a behaviour AWS does not have, or work
at start-up that nothing uses (`loaders`, `ec2`).
"""

from __future__ import annotations


def apply() -> None:
    """Install every patch (idempotent)."""
    from localcloud.patches import cognito, core, dynamodb, dynamodb_updates, ec2, loaders, sqs, stepfunctions

    ec2.apply()  # before anything imports moto's SSM or its Step Functions interpreter
    loaders.apply()  # before the other patches make sessions: they share its loader
    cognito.apply()
    core.apply()
    dynamodb.apply()
    dynamodb_updates.apply()
    sqs.apply()
    stepfunctions.apply()
