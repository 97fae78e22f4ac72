"""Narrow fixes to moto, one module per service, applied once when a cloud starts.

Each patch keeps moto's answers as they were (a test per patch compares them with the original,
which stays reachable as the replacement's `__wrapped__`) and changes only what the embedded
cloud cannot live with: work that grows with the data, or a behaviour AWS does not have.
"""

from __future__ import annotations


def apply() -> None:
    """Install every patch (idempotent)."""
    from localcloud.patches import cognito, core, dynamodb, loaders, sqs, stepfunctions

    loaders.apply()  # first: the sessions the other patches make share its loader
    cognito.apply()
    core.apply()
    dynamodb.apply()
    sqs.apply()
    stepfunctions.apply()
