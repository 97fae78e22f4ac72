"""The console's resource browser: table items by key prefix, bucket objects, Cognito users.

Table items are read from moto's state under the cloud's state lock, the way the queue view reads
messages: a dev tool looking at the emulator, not a Scan the app would make. Objects and users
are listed through the cloud's own clients.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from localcloud.console.errors import ConsoleError
from localcloud.context import Core

MAX_LIMIT = 500


def tables(core: Core) -> list[dict[str, Any]]:
    """Every table: name, key attributes, item count."""
    from moto.dynamodb.models import dynamodb_backends

    with core.state_lock.shared():
        backend = dynamodb_backends[core.account_id][core.region]
        return [
            {
                "name": name,
                "hash_key": table.hash_key_attr,
                "range_key": table.range_key_attr,
                "items": len(table),
            }
            for name, table in sorted(backend.tables.items())
        ]


def table_items(core: Core, name: str, *, prefix: str, limit: int, after: str | None) -> dict[str, Any]:
    """Items whose hash key starts with `prefix`, in key order; `next` continues after the last."""
    from moto.dynamodb.models import dynamodb_backends

    start = _cursor(after)
    with core.state_lock.shared():
        table = dynamodb_backends[core.account_id][core.region].tables.get(name)
        if table is None:
            raise ConsoleError(404, "table_not_found", f"There is no table {name}.")
        matching = [
            (_text(hash_key), partition)
            for hash_key, partition in list(table.items.items())
            if _text(hash_key).startswith(prefix)
        ]
        rows: list[tuple[tuple[str, str], dict[str, Any]]] = []
        for hash_text, partition in sorted(matching, key=lambda pair: pair[0]):
            items: list[Any] = list(partition.values()) if table.range_key_attr else [partition]
            for item in items:
                position = (hash_text, _text(item.range_key) if item.range_key is not None else "")
                if start is None or position > start:
                    rows.append((position, item.to_json()["Attributes"]))
    rows.sort(key=lambda row: row[0])
    page, more = rows[:limit], len(rows) > limit
    return {
        "table": name,
        "prefix": prefix,
        "items": [_plain(attributes) for _, attributes in page],
        "next": json.dumps(list(page[-1][0])) if more and page else None,
    }


def buckets(core: Core) -> list[dict[str, Any]]:
    """Every bucket: name and when it was made."""
    listed = core.clients.s3().list_buckets().get("Buckets", [])
    return [{"name": b["Name"], "created_at": b["CreationDate"].isoformat()} for b in listed]


def bucket_objects(core: Core, bucket: str, *, prefix: str, limit: int, after: str | None) -> dict[str, Any]:
    """Objects under `prefix`, in key order; `next` continues after the last."""
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": limit}
    if after:
        request["StartAfter"] = after
    try:
        answer = core.clients.s3().list_objects_v2(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
            raise ConsoleError(404, "bucket_not_found", f"There is no bucket {bucket}.") from exc
        raise
    objects = [
        {
            "key": o["Key"],
            "bytes": o["Size"],
            "last_modified": o["LastModified"].isoformat(),
            "etag": o["ETag"],
        }
        for o in answer.get("Contents", [])
    ]
    more = bool(answer.get("IsTruncated")) and bool(objects)
    return {
        "bucket": bucket,
        "prefix": prefix,
        "objects": objects,
        "next": objects[-1]["key"] if more else None,
    }


def users(core: Core, *, limit: int) -> list[dict[str, Any]]:
    """The users of every user pool (at most `limit` in all): name, status, attributes."""
    cognito = core.clients.cognito()
    found: list[dict[str, Any]] = []
    for page in cognito.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60}):
        for pool in page.get("UserPools", []):
            for listing in cognito.get_paginator("list_users").paginate(UserPoolId=pool["Id"]):
                for user in listing.get("Users", []):
                    found.append(
                        {
                            "pool": pool["Name"],
                            "pool_id": pool["Id"],
                            "username": user["Username"],
                            "status": user.get("UserStatus"),
                            "enabled": user.get("Enabled"),
                            "created_at": user["UserCreateDate"].isoformat(),
                            "attributes": {a["Name"]: a["Value"] for a in user.get("Attributes", [])},
                        }
                    )
                    if len(found) >= limit:
                        return found
    return found


def _cursor(after: str | None) -> tuple[str, str] | None:
    if not after:
        return None
    try:
        hash_text, range_text = json.loads(after)
    except (ValueError, TypeError) as exc:
        raise ConsoleError(400, "invalid_cursor", "`after` must be the `next` of an earlier page.") from exc
    return str(hash_text), str(range_text)


def _text(key: Any) -> str:
    """A key attribute as text (strings as they are, numbers as written, binaries in base64)."""
    value = key.value
    return base64.b64encode(value).decode() if isinstance(value, bytes) else str(value)


def _plain(attributes: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON as plain JSON values (numbers as numbers, sets as lists)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {name: _jsonable(deserializer.deserialize(_bytes(value))) for name, value in attributes.items()}


def _bytes(value: Any) -> Any:
    """moto keeps binaries in base64; the deserializer wants bytes."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    if kind == "B" and isinstance(inner, str):
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) if isinstance(v, str) else v for v in inner]}
    if kind == "M":
        return {"M": {k: _bytes(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_bytes(v) for v in inner]}
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value
