"""Create the SecureStrings listed under the template's `Herald::Secrets` metadata, if missing.

CloudFormation cannot create SecureString parameters, so `make deploy` runs this before
`sam deploy`; the embedded cloud reads the same metadata. Existing values are never changed.
Usage: python scripts/ensure_secrets.py --stage dev [--region eu-west-1]
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localcloud.template import load_template  # noqa: E402


def declared_secrets(stage: str) -> list[dict[str, Any]]:
    """The secrets the template declares, with the stage substituted."""
    metadata = load_template(ROOT / "template.yaml").get("Metadata", {})
    return [
        {**entry, "Name": str(entry["Name"]).format(Stage=stage)}
        for entry in metadata.get("Herald::Secrets", [])
    ]


def ensure(ssm: Any, stage: str) -> list[str]:
    """Create what is missing; returns the names created."""
    created = []
    for entry in declared_secrets(stage):
        try:
            ssm.put_parameter(
                Name=entry["Name"],
                Description=entry.get("Description", ""),
                Value=secrets.token_hex(int(entry.get("Bytes", 32))),
                Type="SecureString",
                Overwrite=False,
            )
            created.append(entry["Name"])
        except ssm.exceptions.ParameterAlreadyExists:
            continue
    return created


def main() -> None:
    """Command-line entry point."""
    import boto3

    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region")
    args = parser.parse_args()
    ssm = boto3.client("ssm", region_name=args.region)
    for name in ensure(ssm, args.stage):
        print(f"created {name}")  # noqa: T201


if __name__ == "__main__":
    main()
