"""Reading CloudFormation properties and boto3 errors the way every provisioner needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError


def error_code(exc: ClientError) -> str:
    """The AWS error code of a boto3 error."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def pick(properties: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The named properties that are present."""
    return {name: properties[name] for name in names if name in properties}


def tags(properties: Mapping[str, Any], key: str = "Tags") -> list[dict[str, str]]:
    """Tags as `[{"Key", "Value"}]`, from either CloudFormation form (a list or a map)."""
    found = properties.get(key) or []
    if isinstance(found, Mapping):
        return [{"Key": str(k), "Value": str(v)} for k, v in found.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in found]


def attribute_text(value: Any) -> str:
    """An attribute value as SQS/SNS want it ('true', '30', JSON for objects)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        return json.dumps(value)
    return str(value)


def on_failure(config: Mapping[str, Any] | None) -> str | None:
    """The `OnFailure.Destination` of a DestinationConfig (None without one)."""
    destination = ((config or {}).get("OnFailure") or {}).get("Destination")
    return None if destination is None else str(destination)


def filters(props: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    """An event source's `FilterCriteria.Filters`."""
    return tuple((props.get("FilterCriteria") or {}).get("Filters") or ())
