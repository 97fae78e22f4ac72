"""DynamoDB: tables (indexes, stream, TTL), the stream poller (Lambda's DynamoDB event source), and
Time to Live's deletions.

The stream poller is Lambda's own service-side reader, not an app call: it reads moto's stream shard
directly (the records `GetRecords` would answer, from the same position rules, with no request,
so neither IAM, the meter nor the trail sees it; AWS bills no GetRecords of a Lambda trigger
either) and hands Lambda's record shape to the function: batch size, batching window,
TRIM_HORIZON/LATEST, ReportBatchItemFailures, retries with bisection, the on-failure record; its
position is a checkpoint saved with the snapshot.

moto stores a table's TTL setting but never expires an item. The TTL sweeper does what the
service does: an item whose TTL attribute (a Number, epoch seconds) has passed is deleted by
DynamoDB itself, free of charge (no request, so neither the meter nor IAM sees it), and the
stream gets a REMOVE record whose `userIdentity` names the service, as in AWS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from localcloud.clients import Clients, send_to_destination
from localcloud.context import Core, Fed, ProvisionContext, Provisioned
from localcloud.dispatch import Write
from localcloud.functions import Invoker, LocalFunction, Outcome
from localcloud.pollers import (
    QUIET_INTERVAL,
    WHOLE,
    Activity,
    Checkpoints,
    Poller,
    batch_item_failures,
    fields_named,
    matcher,
)
from localcloud.server import StateLock
from localcloud.services.properties import error_code, filters, on_failure, pick, tags
from localcloud.shapes import stream_failure_record, stream_record
from localcloud.template import ResourceSpec

logger = logging.getLogger("localcloud")

# Lambda reads a drained shard four times a second, not once per write.
SHARD_READ_INTERVAL = 0.25


def _table_request(name: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": name}
    request.update(pick(properties, "AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes"))
    billing = properties.get("BillingMode", "PROVISIONED")
    request["BillingMode"] = billing
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = properties.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            _gsi(index, billing) for index in properties["GlobalSecondaryIndexes"]
        ]
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    sse = properties.get("SSESpecification")
    if sse and sse.get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True, **pick(sse, "SSEType")}
    if properties.get("Tags"):
        request["Tags"] = tags(properties)
    return request


def _gsi(index: Mapping[str, Any], billing: str) -> dict[str, Any]:
    shaped = pick(index, "IndexName", "KeySchema", "Projection")
    if billing == "PROVISIONED":
        shaped["ProvisionedThroughput"] = index.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    return shaped


def images_pruned(record: Mapping[str, Any], fields: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A stream record (DynamoDB Streams' shape) whose images keep only the attributes `fields`
    (a filter's field tree, `pollers.fields_named`) names below `dynamodb`; as it is when the
    filters look at the whole record or at a whole image."""
    source = record.get("dynamodb")
    if fields is None or not isinstance(source, Mapping):
        return record
    below = fields.get("dynamodb", {})
    if below is WHOLE:
        return record
    kept = dict(source)
    for image in ("Keys", "NewImage", "OldImage"):
        attributes, names = source.get(image), below.get(image)
        if names is WHOLE or not isinstance(attributes, Mapping):
            continue
        if names is None:
            del kept[image]
        else:
            kept[image] = {name: attributes[name] for name in names if name in attributes}
    return {**record, "dynamodb": kept}


def provision_table(ctx: ProvisionContext, spec: ResourceSpec, props: dict[str, Any]) -> Provisioned:
    """A table with its indexes, stream and TTL."""
    if spec.type == "AWS::Serverless::SimpleTable":
        props = _simple_table(props)
    ddb = ctx.clients.dynamodb()
    name = str(props.get("TableName") or ctx.default_name(spec, max_length=255))
    request = _table_request(name, props)
    try:
        table = ddb.describe_table(TableName=name)["Table"]
        status = _reconcile_table(ctx, table, request)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        ddb.create_table(**request)
        status = "created"
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        enabled = current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        if enabled != bool(ttl.get("Enabled")) or (
            enabled and current.get("AttributeName") != ttl.get("AttributeName")
        ):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={
                    "Enabled": bool(ttl.get("Enabled")),
                    "AttributeName": str(ttl["AttributeName"]),
                },
            )
    table = ddb.describe_table(TableName=name)["Table"]
    attributes = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attributes["StreamArn"] = table["LatestStreamArn"]
    sweepers = [TtlSweeper(name, core=ctx.core)] if ttl and ttl.get("Enabled") else []
    return Provisioned(ref=name, attributes=attributes, status=status, pollers=list(sweepers))


def _simple_table(props: Mapping[str, Any]) -> dict[str, Any]:
    key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    kind = {"String": "S", "Number": "N", "Binary": "B"}[str(key.get("Type", "String"))]
    shaped: dict[str, Any] = {
        "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kind}],
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        "BillingMode": "PROVISIONED" if props.get("ProvisionedThroughput") else "PAY_PER_REQUEST",
    }
    shaped.update(pick(props, "TableName", "ProvisionedThroughput", "SSESpecification", "Tags"))
    return shaped


def _reconcile_table(ctx: ProvisionContext, table: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    ddb = ctx.clients.dynamodb()
    status = "exists"
    existing = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    for index in request.get("GlobalSecondaryIndexes", []):
        if index["IndexName"] not in existing:
            ddb.update_table(
                TableName=request["TableName"],
                AttributeDefinitions=request["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )
            status = "updated"
    wanted = request.get("StreamSpecification")
    current = table.get("StreamSpecification") or {}
    if wanted and (
        not current.get("StreamEnabled") or current.get("StreamViewType") != wanted["StreamViewType"]
    ):
        ddb.update_table(TableName=request["TableName"], StreamSpecification=wanted)
        status = "updated"
    return status


@dataclass(frozen=True)
class StreamOptions:
    """An `Events: Type: DynamoDB` entry."""

    stream_arn: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window: float = 0.0
    max_retries: int = -1
    bisect: bool = False
    report_item_failures: bool = False
    on_failure: str | None = None
    filters: tuple[Mapping[str, Any], ...] = ()


@dataclass
class _Shard:
    shard_id: str
    next_sequence: int | None = None  # the next record to read (None: from the checkpoint/start)
    buffer: list[dict[str, Any]] = field(default_factory=list)
    buffer_started: float = 0.0
    read_upto: str | None = None
    drained_at: float = 0.0  # when a read last came back short (the shard had nothing more)


class StreamPoller(Poller):
    """A DynamoDB stream event source mapping: batches, partial failures, retries, bisection."""

    def wakes_on(self, write: Write) -> bool:
        """Only a table write adds stream records."""
        return write.service in ("dynamodb", "")

    def idle_cap(self) -> float:
        """Records only come with table writes, and each wakes this poller."""
        return QUIET_INTERVAL

    def kick(self) -> None:
        """A table write (or a wait for idleness): the shard may have records to read.

        While a read is held back (the shard was drained less than SHARD_READ_INTERVAL ago) the
        poller is pending and polls again within MIN_INTERVAL anyway: waking it at every write
        only switched threads (one wake-up per write of a campaign) to hold the read back again.
        """
        self._unread = True
        if not self._deferred:
            super().kick()

    def __init__(
        self,
        *,
        function: LocalFunction,
        invoker: Invoker,
        clients: Clients,
        options: StreamOptions,
        checkpoints: Checkpoints,
        activity: Activity,
        state_lock: StateLock,
        account_id: str,
    ) -> None:
        super().__init__(f"{function.logical_id}-stream", activity)
        self.function = function
        self.options = options
        self._invoker = invoker
        self._clients = clients
        self._checkpoints = checkpoints
        self._state_lock = state_lock
        self._account_id = account_id
        self._shards: dict[str, _Shard] = {}
        self._passes = matcher(options.filters)
        self._fields = fields_named(options.filters)
        self._missing_logged = False
        self._deferred = False
        self._unread = True  # a write may have added records since the last read

    def reset(self) -> None:
        """Rediscover the shards and start again from the checkpoints."""
        self._shards = {}

    def position(self, shard_id: str) -> int | None:
        """The last sequence number this mapping processed on a shard (None: not yet known)."""
        checkpoint = self._checkpoints.get(self._key(shard_id))
        return None if checkpoint is None else int(checkpoint)

    def _key(self, shard_id: str) -> str:
        return f"{self.function.logical_id}|{self.options.stream_arn}|{shard_id}"

    def pending(self) -> bool:
        """Records read but not yet handed over (the batching window), or a read held back."""
        return self._deferred or any(shard.buffer for shard in self._shards.values())

    def poll(self) -> bool:
        """Read each shard, and hand over full (or timed-out) batches."""
        self._deferred = False
        if not self._shards and not self._discover():
            return False
        worked = False
        for shard in self._shards.values():
            worked |= self._read(shard)
            due = shard.buffer and (
                len(shard.buffer) >= self.options.batch_size
                or time.monotonic() - shard.buffer_started >= self.options.batching_window
            )
            if due:
                self._process(shard)
                worked = True
        return worked

    def _discover(self) -> bool:
        try:
            description = self._clients.streams().describe_stream(StreamArn=self.options.stream_arn)[
                "StreamDescription"
            ]
        except ClientError as exc:
            if not self._missing_logged:
                logger.warning("localcloud: stream %s: %s", self.options.stream_arn, exc)
                self._missing_logged = True
            return False
        for shard in description.get("Shards", []):
            self._shards[shard["ShardId"]] = _Shard(shard["ShardId"])
        return bool(self._shards)

    def _start(self, stream_shard: Any, shard: _Shard) -> int:
        """Where reading begins: after the checkpoint, else the mapping's StartingPosition (the
        positions `GetShardIterator` gives for AFTER_SEQUENCE_NUMBER, TRIM_HORIZON and LATEST)."""
        if shard.next_sequence is None:
            checkpoint = self._checkpoints.get(self._key(shard.shard_id))
            if checkpoint is not None:
                shard.next_sequence = int(checkpoint) + 1
            elif self.options.starting_position == "TRIM_HORIZON":
                shard.next_sequence = int(stream_shard.starting_sequence_number)
            else:
                shard.next_sequence = int(stream_shard.starting_sequence_number) + len(stream_shard.items)
        return shard.next_sequence

    def _raw_records(self, shard: _Shard, limit: int) -> tuple[list[dict[str, Any]], int, str | None]:
        """Up to `limit` records from the shard (read straight from moto): those the filters pass,
        in Lambda's shape, how many were read, and the sequence number of the last (None: none)."""
        from moto.dynamodb.models import dynamodb_backends

        arn = self.options.stream_arn
        with self._state_lock.shared():
            table = dynamodb_backends[self._account_id][self._clients.region].get_table(
                arn.split(":", 6)[5].split("/")[1]
            )
            stream_shard = table.stream_shard
            if (
                stream_shard is None
                or stream_shard.id != shard.shard_id
                or not arn.endswith(f"/stream/{table.latest_stream_label}")
            ):
                raise LookupError(f"stream {arn} has no shard {shard.shard_id} any more")
            start = self._start(stream_shard, shard)
            offset = start - int(stream_shard.starting_sequence_number)
            if offset < 0:
                raise LookupError(f"stream {arn}: position {start} was trimmed")
            raw = [item.to_json() for item in stream_shard.items[offset : offset + limit]]
            # Shaped under the lock: the TTL sweeper marks records it wrote (userIdentity).
            records = [self._shaped(record, arn) for record in raw if self._passes(self._probe(record, arn))]
        shard.next_sequence = start + len(raw)
        return records, len(raw), (str(raw[-1]["dynamodb"]["SequenceNumber"]) if raw else None)

    def _shaped(self, record: Mapping[str, Any], arn: str) -> dict[str, Any]:
        return stream_record(record, stream_arn=arn, region=self._clients.region, from_moto=True)

    def _probe(self, record: Mapping[str, Any], arn: str) -> dict[str, Any]:
        """The record in Lambda's shape with only the image attributes the filters look at: they
        pass or fail it as the whole record (each attribute is shaped on its own), and most of a
        campaign's records are filtered out, so they are never shaped whole."""
        return self._shaped(images_pruned(record, self._fields), arn)

    def _read(self, shard: _Shard) -> bool:
        room = self.options.batch_size - len(shard.buffer)
        if room <= 0:
            return False
        if time.monotonic() - shard.drained_at < SHARD_READ_INTERVAL:
            # Lambda polls a drained shard four times a second, not once per write: a write that
            # came meanwhile is read when the quarter second is up; with none, nothing is read.
            self._deferred = self._unread
            return False
        self._unread = False
        limit = min(room, 1000)
        records, read, last_read = self._raw_records(shard, limit)
        if read < limit:
            shard.drained_at = time.monotonic()
        if last_read is None:
            return False
        shard.read_upto = last_read
        if records and not shard.buffer:
            shard.buffer_started = time.monotonic()
        shard.buffer.extend(records)
        if not shard.buffer and shard.read_upto is not None:
            # Everything read was filtered out: Lambda moves past it.
            self._checkpoints.set(self._key(shard.shard_id), shard.read_upto)
        return True

    def _process(self, shard: _Shard) -> None:
        batch, shard.buffer = shard.buffer, []
        work: deque[tuple[list[dict[str, Any]], int, int]] = deque([(batch, 0, 0)])
        while work and not self.stopping:
            records, retries, invokes = work.popleft()
            outcome = self._invoker.invoke(self.function, {"Records": records})
            self.invocations += 1
            invokes += 1
            failed_from = self._failed_from(records, outcome)
            if failed_from is None:
                self._checkpoint(shard, records[-1])
                continue
            succeeded, remaining = records[:failed_from], records[failed_from:]
            if succeeded:
                self._checkpoint(shard, succeeded[-1])
            if not outcome.ok and self.options.bisect and len(remaining) > 1:
                # Splitting does not consume the retry quota (as in AWS).
                half = len(remaining) // 2
                # extendleft reverses: the first half ends up first in line.
                work.extendleft([(remaining[half:], retries, 0), (remaining[:half], retries, 0)])
                continue
            retries += 1
            if 0 <= self.options.max_retries < retries:
                self._discard(shard, remaining, invokes, outcome)
                continue
            self._stopping.wait(min(0.05 * 2**retries, 2.0))
            work.appendleft((remaining, retries, invokes))
        if shard.read_upto is not None and not work and not self.stopping:
            self._checkpoints.set(self._key(shard.shard_id), shard.read_upto)

    def _failed_from(self, records: list[dict[str, Any]], outcome: Outcome) -> int | None:
        """Index of the first record to retry, or None when the whole batch succeeded."""
        if not outcome.ok:
            return 0
        if not self.options.report_item_failures:
            return None
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in records]
        failures = batch_item_failures(outcome, sequence_numbers)
        if failures is None:
            return 0
        if not failures:
            return None
        return min(sequence_numbers.index(identifier) for identifier in failures)

    def _checkpoint(self, shard: _Shard, record: Mapping[str, Any]) -> None:
        self._checkpoints.set(self._key(shard.shard_id), record["dynamodb"]["SequenceNumber"])

    def _discard(self, shard: _Shard, records: list[dict[str, Any]], invokes: int, outcome: Outcome) -> None:
        self._checkpoint(shard, records[-1])
        destination = self.options.on_failure
        logger.warning(
            "localcloud: %s gave up on %d stream record(s) after %d attempt(s)%s",
            self.function.logical_id,
            len(records),
            invokes,
            f"; sent to {destination}" if destination else "; dropped",
        )
        if destination is None:
            return
        record = stream_failure_record(
            function_arn=self.function.arn,
            stream_arn=self.options.stream_arn,
            shard_id=shard.shard_id,
            records=records,
            invoke_count=invokes,
            function_error=None if outcome.ok else "Unhandled",
        )
        send_to_destination(self._clients, destination, json.dumps(record))


def feed_from_stream(
    ctx: ProvisionContext, function: LocalFunction, event_name: str, props: Mapping[str, Any]
) -> Fed:
    """`Events: Type: DynamoDB`: a stream poller with the mapping's settings."""
    del event_name
    if props.get("Enabled") is False:
        return Fed("disabled")
    options = StreamOptions(
        stream_arn=str(props["Stream"]),
        starting_position=str(props.get("StartingPosition", "LATEST")),
        batch_size=int(props.get("BatchSize", 100)),
        batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
        max_retries=int(props.get("MaximumRetryAttempts", -1)),
        bisect=bool(props.get("BisectBatchOnFunctionError", False)),
        report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        on_failure=on_failure(props.get("DestinationConfig")),
        filters=filters(props),
    )
    core = ctx.core
    poller = StreamPoller(
        function=function,
        invoker=core.invoker,
        clients=core.clients,
        options=options,
        checkpoints=core.checkpoints,
        activity=core.activity,
        state_lock=core.state_lock,
        account_id=core.account_id,
    )
    retries = "forever" if options.max_retries < 0 else str(options.max_retries)
    how = (
        f"stream poller ({options.starting_position}, batch {options.batch_size}, "
        f"window {options.batching_window:g}s, retries {retries}"
        f"{', bisect' if options.bisect else ''}"
        f"{', partial batch failures' if options.report_item_failures else ''})"
        + (f" -> on failure {options.on_failure}" if options.on_failure else "")
    )
    return Fed(how, [poller])


# Stream records kept however far every consumer got (what a reader from TRIM_HORIZON still finds).
KEEP_STREAM_RECORDS = 1000


def trim_consumed_records(
    account_id: str, region: str, pollers: list[StreamPoller], *, keep: int = KEEP_STREAM_RECORDS
) -> int:
    """Drop the stream records every mapping of the stream has processed, but the last few; how many.

    moto keeps every record a table ever had (DynamoDB keeps 24 hours): a snapshot of a busy
    session carried more records than items. A stream with a mapping that has no checkpoint yet
    is left alone. The caller holds the state exclusively (readers compute positions from the
    shard's starting sequence number, which moves here).
    """
    from moto.dynamodb.models import dynamodb_backends

    if account_id not in dynamodb_backends or region not in dynamodb_backends[account_id]:
        return 0
    dropped = 0
    for table in dynamodb_backends[account_id][region].tables.values():
        shard = table.stream_shard
        if shard is None or not table.latest_stream_label:
            continue
        arn = f"{table.table_arn}/stream/{table.latest_stream_label}"
        positions = [p.position(shard.id) for p in pollers if p.options.stream_arn == arn]
        if any(position is None for position in positions):
            continue
        done = min((int(p) for p in positions if p is not None), default=None)
        consumed = len(shard.items) if done is None else done - shard.starting_sequence_number + 1
        count = max(0, min(consumed, len(shard.items) - keep))
        if count:
            shard.items = shard.items[count:]
            shard.starting_sequence_number += count
            dropped += count
    return dropped


# How often expired items are looked for. DynamoDB deletes them "within a few days" (in practice
# minutes); once a minute keeps an idle `make run` quiet and a 7-day expiry honest.
TTL_SWEEP_INTERVAL = 60.0
# DynamoDB ignores TTL values more than five years in the past (they are not epoch seconds).
_TTL_IGNORED_BEFORE = 5 * 365 * 24 * 3600
# What DynamoDB writes into a stream record of its own (TTL) deletion, as the Streams API has it
# (Lambda's event says {"type", "principalId"}: localcloud/shapes.py).
TTL_USER_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


class TtlSweeper(Poller):
    """Time to Live for one table: expired items deleted by the service, with their REMOVE records."""

    def __init__(self, table_name: str, *, core: Core, interval: float = TTL_SWEEP_INTERVAL) -> None:
        super().__init__(f"ttl:{table_name}", core.activity)
        self.table_name = table_name
        self._core = core
        self._interval = interval
        self._due = time.monotonic() + interval
        self._sweep_lock = threading.Lock()
        self.deleted = 0

    def idle_cap(self) -> float:
        """Nothing but the clock brings work."""
        return self._interval

    def wakes_on(self, write: Write) -> bool:  # noqa: ARG002 (a write never makes an item expire)
        """Writes do not make items expire; the clock does."""
        return False

    def poll(self) -> bool:
        """Sweep once the interval has passed; the deletions are the stream pollers' work, not ours."""
        if time.monotonic() < self._due:
            return False
        self._due = time.monotonic() + self._interval
        self.sweep()
        return False

    def describe(self) -> dict[str, Any]:
        """Status for the dev console."""
        return {**super().describe(), "deleted": self.deleted}

    def sweep(self, now: float | None = None) -> int:
        """Delete every item whose TTL has passed at `now` (default: the clock); how many."""
        from moto.dynamodb.models import dynamodb_backends

        core = self._core
        stamp = time.time() if now is None else now
        with self._sweep_lock, core.state_lock.shared():
            backend = dynamodb_backends[core.account_id][core.region]
            table = backend.tables.get(self.table_name)
            spec = getattr(table, "ttl", None) or {}
            if table is None or spec.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                return 0
            expired = _expired(table, str(spec.get("AttributeName")), stamp)
            for item in expired:
                table.delete_item(item.hash_key, item.range_key)
                _mark_service_deletion(table, item)
        if expired:
            self.deleted += len(expired)
            core.wake(Write("dynamodb"))
        return len(expired)


def _expired(table: Any, attribute: str, now: float) -> list[Any]:
    """The table's items whose `attribute` is a Number of epoch seconds before `now`."""
    items: list[Any] = []
    for value in list(table.items.values()):
        items.extend(list(value.values()) if table.has_range_key else [value])
    expired = []
    for item in items:
        field_ = item.attrs.get(attribute)
        if field_ is None or field_.type != "N":
            continue
        try:
            moment = float(field_.value)
        except ValueError:
            continue
        if now - _TTL_IGNORED_BEFORE <= moment < now:
            expired.append(item)
    return expired


def _mark_service_deletion(table: Any, item: Any) -> None:
    """Give the REMOVE record of `item` the service's userIdentity (the newest such record)."""
    shard = table.stream_shard
    if shard is None:
        return
    keys = {table.hash_key_attr: item.hash_key.to_json()}
    if table.range_key_attr is not None:
        keys[table.range_key_attr] = item.range_key.to_json()
    for record in reversed(shard.items[-50:]):
        data = record.record
        if data["eventName"] == "REMOVE" and data["dynamodb"]["Keys"] == keys:
            data["userIdentity"] = dict(TTL_USER_IDENTITY)
            return
