"""Each speed patch answers exactly as the moto code it replaces (run both ways, compare)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from localcloud.cloud import EmbeddedCloud
from localcloud.patches.installing import original
from tests.localcloud.helpers import answer_of, aws

TABLE = "toy-toy"
ROOT = Path(__file__).resolve().parents[2]


def _dynamodb_patches() -> dict[str, tuple[Any, str, Callable[[Any], Any]]]:
    """name -> (owner, attribute, how to put the original back)."""
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import Validator

    return {
        "query": (Table, "query", lambda fn: fn),
        "parse cache": (UpdateExpressionParser, "make", classmethod),
        "traverse": (DepthFirstTraverser, "traverse", lambda fn: fn),
        "node copy": (Node, "__deepcopy__", lambda fn: fn),
        "condition reuse": (ConditionExpressionParser, "parse", lambda fn: fn),
        "checks kept": (Validator, "validate", lambda fn: fn),
        "condition tokens kept": (ConditionExpressionParser, "_lex_condition_expression", lambda fn: fn),
        "item size summed once": (Item, "__init__", lambda fn: fn),
    }


@contextmanager
def _unpatched(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[None]:
    owner, attribute, wrap = _dynamodb_patches()[name]
    before = original(owner, attribute)
    with monkeypatch.context() as patch:
        if before is None:
            patch.delattr(owner, attribute)
        else:
            patch.setattr(owner, attribute, wrap(before))
        assert original(owner, attribute) is before  # moto's own code is in place now
        yield


def _updates(dynamodb: Any, prefix: str) -> list[Any]:
    """A run of writes and reads touching the patched paths; every answer, in order."""
    key = {"PK": {"S": f"{prefix}-p"}, "SK": {"S": "a"}}
    other = {"PK": {"S": f"{prefix}-p"}, "SK": {"S": "b"}}
    base = {"TableName": TABLE}

    def claim(attempt: str, z: str, **returns: str) -> Any:
        return dynamodb.update_item(
            **base,
            Key=key,
            UpdateExpression="SET #s = :c, attempt = :a, m.z = :z ADD n :one",
            ConditionExpression="#s = :p",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":c": {"S": "claimed"},
                ":p": {"S": "pending"},
                ":a": {"S": attempt},
                ":z": {"N": z},
                ":one": {"N": "1"},
            },
            **returns,
        )

    calls: list[Callable[[], Any]] = [
        lambda: dynamodb.put_item(
            **base, Item={**key, "status": {"S": "pending"}, "n": {"N": "1"}, "m": {"M": {"x": {"S": "y"}}}}
        ),
        lambda: dynamodb.put_item(**base, Item={**other, "status": {"S": "sent"}, "l": {"L": [{"S": "a"}]}}),
        lambda: claim("x", "7", ReturnValues="ALL_NEW"),
        # the same condition text and names again, now failing, with the old item back
        lambda: claim("y", "8", ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        lambda: dynamodb.update_item(
            **base,
            Key=other,
            UpdateExpression="SET l = list_append(l, :more), c = if_not_exists(c, :zero) REMOVE #s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":more": {"L": [{"S": "b"}]}, ":zero": {"N": "0"}},
            ReturnValues="UPDATED_NEW",
        ),
        # refusals moto's validator raises: overlapping paths, an unused name, a key attribute
        lambda: dynamodb.update_item(
            **base,
            Key=key,
            UpdateExpression="SET m = :v, m.x = :v",
            ExpressionAttributeValues={":v": {"S": "1"}},
        ),
        lambda: dynamodb.update_item(
            **base,
            Key=key,
            UpdateExpression="SET a = :v",
            ExpressionAttributeNames={"#unused": "u"},
            ExpressionAttributeValues={":v": {"S": "1"}},
        ),
        lambda: dynamodb.update_item(
            **base, Key=key, UpdateExpression="SET SK = :v", ExpressionAttributeValues={":v": {"S": "1"}}
        ),
        lambda: dynamodb.query(
            **base, KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": key["PK"]}, Limit=1
        ),
        lambda: dynamodb.query(
            **base,
            KeyConditionExpression="PK = :pk AND SK > :a",
            ExpressionAttributeValues={":pk": key["PK"], ":a": {"S": "a"}},
            ScanIndexForward=False,
        ),
        lambda: dynamodb.query(
            **base,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{prefix}-none"}},
        ),
        lambda: dynamodb.get_item(**base, Key=key, ConsistentRead=True),
        lambda: dynamodb.get_item(**base, Key=other, ConsistentRead=True),
        # a refusal again (a failed check is never kept), and a passed tree with other names
        lambda: dynamodb.update_item(
            **base, Key=key, UpdateExpression="SET SK = :v", ExpressionAttributeValues={":v": {"S": "1"}}
        ),
        lambda: dynamodb.update_item(
            **base,
            Key=key,
            UpdateExpression="SET #s = :c, attempt = :a, m.z = :z ADD n :one",
            ExpressionAttributeNames={"#s": "SK"},
            ExpressionAttributeValues={
                ":c": {"S": "c"},
                ":a": {"S": "a"},
                ":z": {"N": "1"},
                ":one": {"N": "1"},
            },
        ),
        # an item over 400 KB, one just under it, and a condition that does not lex
        lambda: dynamodb.put_item(
            **base, Item={**other, "a": {"S": "x" * 250_000}, "b": {"S": "y" * 160_000}}
        ),
        lambda: dynamodb.put_item(
            **base, Item={**other, "a": {"S": "x" * 250_000}, "b": {"S": "y" * 150_000}}
        ),
        lambda: dynamodb.put_item(
            **base,
            Item=key,
            ConditionExpression="#s = :p !! x",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":p": {"S": "pending"}},
        ),
        lambda: dynamodb.get_item(**base, Key=other, ProjectionExpression="SK, b"),
    ]
    return [answer_of(call) for call in calls]


def _normalised(answers: list[Any], prefix: str) -> str:
    return repr(answers).replace(prefix, "<prefix>")


def _both_ways(
    cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch, patch: str, run: Callable[[Any, str], list[Any]]
) -> tuple[list[Any], list[Any], bool]:
    """`run` on a fresh prefix with the patch, and on another with moto's own code in its place:
    both answers, and whether they are the same but for the prefix."""
    dynamodb = aws(cloud, "dynamodb")
    patched_prefix, plain_prefix = f"patched-{uuid.uuid4().hex}", f"plain-{uuid.uuid4().hex}"
    with_patch = run(dynamodb, patched_prefix)
    with _unpatched(monkeypatch, patch):
        without = run(dynamodb, plain_prefix)
    return with_patch, without, _normalised(with_patch, patched_prefix) == _normalised(without, plain_prefix)


@pytest.mark.parametrize(
    "patch",
    [
        "query",
        "parse cache",
        "traverse",
        "node copy",
        "condition reuse",
        "checks kept",
        "condition tokens kept",
        "item size summed once",
    ],
)
def test_each_dynamodb_patch_answers_as_moto_does(
    toy_cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch, patch: str
) -> None:
    # Given the same run of writes, reads and refusals on two fresh partitions
    # When it runs once with the patch and once with moto's own code in its place
    with_patch, _, same = _both_ways(toy_cloud, monkeypatch, patch, _updates)

    # Then every answer (items, errors, paging keys) is the same, and the run did exercise refusals
    assert same
    assert sum(1 for answer in with_patch if "error" in answer) == 8
    assert "LastEvaluatedKey" in with_patch[8] and with_patch[3]["item"]["attempt"] == {"S": "x"}
    assert "Item size has exceeded" in with_patch[-4]["message"] and "error" not in with_patch[-3]
    assert len(with_patch[-1]["Item"]["b"]["S"]) == 150_000 and "!!" in with_patch[-2]["message"]


def _pages(dynamodb: Any, prefix: str) -> list[Any]:
    """Pages of one partition, forward and backward, each from the previous page's key, and pages
    from start keys of every kind: between items, past either end, of another partition, of the
    wrong type, missing the sort key. Every answer, in order."""
    pk = {"S": f"{prefix}-p"}
    for number in range(23):
        kind = "RCPT" if number % 3 else "BATCH"
        item = {"PK": pk, "SK": {"S": f"{kind}#{number:04d}"}, "n": {"N": str(number)}}
        dynamodb.put_item(TableName=TABLE, Item=item)
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": f"{prefix}-q"}, "SK": {"S": "RCPT#0001"}})

    def query(condition: str, start: dict[str, Any] | None = None, **more: Any) -> Any:
        values = {":pk": pk, ":p": {"S": "RCPT#"}, ":a": {"S": "BATCH#0010"}}
        names = [name for name in values if name in condition]
        return answer_of(
            lambda: dynamodb.query(
                TableName=TABLE,
                KeyConditionExpression=condition,
                ExpressionAttributeValues={name: values[name] for name in names},
                **({"ExclusiveStartKey": start} if start is not None else {}),
                **more,
            )
        )

    answers: list[Any] = []
    for condition, forward, limit in (
        ("PK = :pk", True, 4),
        ("PK = :pk AND begins_with(SK, :p)", True, 5),
        ("PK = :pk AND begins_with(SK, :p)", False, 6),
        ("PK = :pk AND SK > :a", False, 3),
    ):
        start = None
        for _ in range(12):
            page = query(condition, start, Limit=limit, ScanIndexForward=forward)
            answers.append(page)
            start = page.get("LastEvaluatedKey")
            if start is None:
                break
    for sort_key in ({"S": "RCPT#0004x"}, {"S": "A"}, {"S": "Z"}, {"N": "4"}):
        for forward in (True, False):
            answers.append(query("PK = :pk", {"PK": pk, "SK": sort_key}, Limit=4, ScanIndexForward=forward))
    answers.append(query("PK = :pk", {"PK": {"S": f"{prefix}-q"}, "SK": {"S": "RCPT#0001"}}, Limit=4))
    answers.append(query("PK = :pk", {"PK": pk}, Limit=4))
    return answers


def test_a_later_page_answers_as_moto_pages_it(
    toy_cloud: EmbeddedCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pages of a partition read on, and pages from odd start keys
    # When they are read with the partition cut at the start key, and with moto's own walk
    with_patch, _, same = _both_ways(toy_cloud, monkeypatch, "query", _pages)

    # Then every page, paging key and error is the same, and the run did page through
    assert same
    read = [item["SK"]["S"] for page in with_patch[:6] for item in page.get("Items", [])]
    assert read == sorted(read) and len(read) == 23 and len(set(read)) == 23  # forward, all, once
    assert sum(1 for page in with_patch if page.get("LastEvaluatedKey")) >= 12


def test_the_kept_parse_is_never_changed_by_a_validation(toy_cloud: EmbeddedCloud) -> None:
    # Given an update expression parsed (and kept) once
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    dynamodb = aws(toy_cloud, "dynamodb")
    expression = "SET v = :v, w = if_not_exists(w, :v)"
    kept = repr(vars(UpdateExpressionParser.make(expression)))

    # When two updates run it with different values
    for value in ("one", "two"):
        dynamodb.update_item(
            TableName=TABLE,
            Key={"PK": {"S": f"kept-{value}"}, "SK": {"S": "x"}},
            UpdateExpression=expression,
            ExpressionAttributeValues={":v": {"S": value}},
        )

    # Then the kept tree is as it was parsed, and each item got its own value
    assert repr(vars(UpdateExpressionParser.make(expression))) == kept
    got = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "kept-two"}, "SK": {"S": "x"}})["Item"]
    assert (got["v"], got["w"]) == ({"S": "two"}, {"S": "two"})


def test_moto_lists_a_response_class_methods_once(toy_cloud: EmbeddedCloud) -> None:
    # Given the patched listing of a response class's methods
    import moto.core.responses
    from moto.dynamodb.responses import DynamoHandler

    listing = moto.core.responses.method_names_from_class  # type: ignore[attr-defined]

    # Then it names what moto's own listing names, and answers the same list each time
    unpatched = original(moto.core.responses, "method_names_from_class")
    assert listing(DynamoHandler) == unpatched(DynamoHandler)
    assert listing(DynamoHandler) is listing(DynamoHandler)
    assert "update_item" in listing(DynamoHandler)
    del toy_cloud


def test_sessions_share_one_loader_that_reads_what_a_loader_of_their_own_reads(
    toy_cloud: EmbeddedCloud, tmp_path: Path
) -> None:
    # Given two boto3 sessions made while a cloud runs, and a botocore session with a loader of its own
    import boto3
    import botocore.loaders
    import botocore.session
    import moto.core.loaders
    import moto.core.utils

    first, second = boto3.session.Session(), boto3.session.Session()
    alone = botocore.session.Session()
    alone.register_component("data_loader", botocore.loaders.create_loader())

    # Then the sessions share one loader, which searches each directory once (boto3 adds its own)
    shared = first._session.get_component("data_loader")
    assert shared is second._session.get_component("data_loader")
    assert len(shared.search_paths) == len(set(shared.search_paths)) > 2
    # And it answers as the lone session's loader does: EC2's regions in each partition, a model
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        assert first.get_available_regions("ec2", partition) == alone.get_available_regions("ec2", partition)
    own = alone.get_component("data_loader")
    assert shared.load_service_model("sqs", "service-2") == own.load_service_model("sqs", "service-2")
    # And moto reads its models (with its extras) through one loader of its own, as it would alone
    create_moto_loader = getattr(moto.core.utils, "create_loader")  # noqa: B009 (not re-exported)
    moto_loader = create_moto_loader()
    assert moto_loader is create_moto_loader()
    s3_model = moto.core.loaders.create_loader().load_service_model("s3", "service-2")
    assert moto_loader.load_service_model("s3", "service-2") == s3_model
    # And a session given its own data path (AWS_DATA_PATH) keeps a loader of its own
    elsewhere = botocore.session.Session()
    elsewhere.set_config_variable("data_path", str(tmp_path))
    assert elsewhere.get_component("data_loader") is not shared
    del toy_cloud


_EC2_WHEN_USED = """
import sys
from pathlib import Path
import boto3
from localcloud.cloud import EmbeddedCloud

cloud = EmbeddedCloud(
    template_path=Path("template.yaml"), state_dir=None, run_pollers=False, account_id="555555555555"
)
cloud.start()
try:
    provisioned = "moto.ec2" in sys.modules, "moto.batch.models" in sys.modules
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    ssm = boto3.client("ssm", endpoint_url=cloud.endpoint_url, **keys)
    targets = [{"Key": "tag:role", "Values": ["web"]}]
    command = ssm.send_command(DocumentName="AWS-RunShellScript", Targets=targets)
    import moto.ec2, moto.ssm.models
    batch = boto3.client("batch", endpoint_url=cloud.endpoint_url, **keys)
    queues = batch.describe_job_queues()["jobQueues"]
    replaced = moto.ssm.models.ec2_backends is moto.ec2.ec2_backends
    print(provisioned, command["Command"]["Targets"], replaced, queues)
finally:
    cloud.stop()
"""


def test_moto_ec2_is_imported_when_used_not_by_ssm_or_step_functions() -> None:
    # Given a fresh interpreter that starts the real template (SSM parameters, a state machine)
    done = subprocess.run(
        [sys.executable, "-c", _EC2_WHEN_USED], cwd=ROOT, capture_output=True, text=True, check=True
    )

    # Then neither moto's EC2 nor Batch's models were imported by provisioning; and Run Command's
    # instance targets (which read EC2's backends) and Batch still answer, with moto's own backends
    assert done.stdout.split("\n")[0] == "(False, False) [{'Key': 'tag:role', 'Values': ['web']}] True []"


def test_sqs_attribute_tables_are_moto_own(toy_cloud: EmbeddedCloud) -> None:
    # Given queues of every kind: plain, FIFO with deduplication, a policy, a redrive policy, KMS
    from moto.sqs.models import Queue, sqs_backends

    sqs = aws(toy_cloud, "sqs")
    tag = uuid.uuid4().hex[:8]
    dlq = sqs.create_queue(QueueName=f"attrs-dlq-{tag}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    kinds = {
        f"attrs-plain-{tag}": {},
        f"attrs-fifo-{tag}.fifo": {"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        f"attrs-redrive-{tag}": {
            "RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": 3}}',
            "Policy": '{"Version": "2012-10-17", "Statement": []}',
        },
        f"attrs-kms-{tag}": {"KmsMasterKeyId": "alias/aws/sqs"},
    }
    for name, attributes in kinds.items():
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="x", **({"MessageGroupId": "g"} if "fifo" in name else {}))

    # Then each table has moto's keys in moto's order and moto's values
    backend = sqs_backends[toy_cloud.account_id]["us-east-1"]
    build = original(Queue, "attributes")
    for name in kinds:
        queue = backend.queues[name]
        assert list(queue.attributes.items()) == list(build(queue).items()), name
        assert queue.attributes.get("ContentBasedDeduplication") == build(queue).get(
            "ContentBasedDeduplication"
        )
    assert backend.queues[f"attrs-plain-{tag}"].attributes["ApproximateNumberOfMessages"] == 1


def test_the_stream_filter_answers_as_moto_event_patterns_do() -> None:
    # Given Lambda filter patterns of each kind and records that do and do not match them
    import json

    from moto.events.models import EventPattern

    from localcloud.pollers import matcher

    patterns = [
        {"dynamodb": {"NewImage": {"type": {"S": ["user", "import"]}}}},
        {"dynamodb": {"OldImage": {"type": {"S": [{"prefix": "li"}]}}}},
        {"eventName": [{"anything-but": "REMOVE"}], "dynamodb": {"Keys": {"n": {"N": [{"exists": True}]}}}},
        {"$or": [{"a": [{"numeric": [">", 5]}]}, {"b": [{"suffix": ".csv"}]}]},
        {"dynamodb": {"NewImage": {"status": {"S": [{"exists": False}]}, "type": {"S": ["user"]}}}},
        {"eventSource": ["aws:dynamodb"], "dynamodb": {"NewImage": {"other": {"M": {"k": {"S": ["v"]}}}}}},
    ]
    records: list[Any] = [
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"type": {"S": "user"}}}},
        {
            "eventName": "MODIFY",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": {"n": {"N": "2"}},
                "NewImage": {"type": {"S": "user"}, "status": {"S": "x"}, "other": {"M": {"k": {"S": "v"}}}},
                "OldImage": {"type": {"S": "list"}, "tags": {"L": [{"S": "vip"}]}},
            },
        },
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"tags": {"L": [{"S": "vip"}, {"N": "1"}]}}}},
        {"eventName": "MODIFY", "dynamodb": {"OldImage": {"type": {"S": "list"}}, "NewImage": {}}},
        {"eventName": "REMOVE", "dynamodb": {"Keys": {"n": {"N": "1"}}}},
        {"eventName": "INSERT", "dynamodb": {"Keys": {"n": {"N": "1"}}}},
        {"a": 7, "b": "x.txt"},
        {"a": 3, "b": "x.csv"},
        {"a": 3, "b": "x.txt"},
    ]

    # When each pattern (and all of them together) filters each record both ways
    for chosen in [*([p] for p in patterns), patterns]:
        ours = matcher([{"Pattern": json.dumps(p)} for p in chosen])
        theirs = [EventPattern.load(json.dumps(p)) for p in chosen]
        answers = [(ours(r), any(t.matches_event(r) for t in theirs)) for r in records]

        # Then the answers agree, and each pattern lets something through and stops something
        assert all(a == b for a, b in answers), (chosen, answers)
        assert {a for a, _ in answers} == {True, False}


def test_a_record_filtered_by_the_attributes_named_passes_as_the_whole_record() -> None:
    # Given the template's stream filters and odd ones (a whole image, an absent attribute, $or,
    # the event name alone), and moto's records of every kind
    import json

    from localcloud.pollers import fields_named, matcher
    from localcloud.services.dynamodb import images_pruned
    from localcloud.shapes import stream_record

    template = [
        {"dynamodb": {"NewImage": {"type": {"S": ["user", "campaign"]}}}},
        {"dynamodb": {"OldImage": {"type": {"S": ["list"]}}}},
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["subscriber"]}}}},
        {
            "dynamodb": {
                "OldImage": {"status": {"S": ["unconfirmed"]}},
                "NewImage": {"status": {"S": ["subscribed"]}},
            }
        },
    ]
    odd = [
        {"dynamodb": {"NewImage": [{"exists": True}]}},
        {"dynamodb": {"NewImage": {"status": {"S": [{"exists": False}]}}}},
        {"$or": [{"eventName": ["REMOVE"]}, {"dynamodb": {"Keys": {"SK": {"S": [{"prefix": "RCPT#"}]}}}}]},
        {"eventName": ["MODIFY"]},
        {"dynamodb": {"NewImage": {"other": {"M": {"type": {"S": ["user"]}}}}}},
    ]

    def moto_record(
        name: str, new: dict[str, Any] | None, old: dict[str, Any] | None, sk: str = "RCPT#1"
    ) -> dict[str, Any]:
        dynamodb: dict[str, Any] = {"Keys": {"PK": {"S": "p"}, "SK": {"S": sk}}, "SequenceNumber": "7"}
        dynamodb.update({"NewImage": new} if new is not None else {})
        dynamodb.update({"OldImage": old} if old is not None else {})
        return {"eventID": "e", "eventName": name, "dynamodb": dynamodb}

    user = {"type": {"S": "user"}, "status": {"S": "subscribed"}, "blob": {"B": b"\x00\x01"}}
    records = [
        moto_record("INSERT", user, None),
        moto_record("INSERT", {"type": {"S": "subscriber"}, "tags": {"L": [{"S": "vip"}]}}, None),
        moto_record("MODIFY", {**user, "type": {"S": "subscriber"}}, {"status": {"S": "unconfirmed"}}),
        moto_record("MODIFY", {"type": {"S": "batch"}, "n": {"N": "1"}}, {"type": {"S": "batch"}}, "BATCH#1"),
        moto_record("REMOVE", None, {"type": {"S": "list"}}),
        moto_record("MODIFY", {"other": {"M": {"type": {"S": "user"}}}}, {}),
    ]

    # When each set of filters judges each record shaped whole, and shaped from its named attributes
    for chosen in [*([p] for p in template + odd), template, template + odd]:
        filters = [{"Pattern": json.dumps(p)} for p in chosen]
        passes, fields = matcher(filters), fields_named(filters)
        answers = [
            (
                passes(stream_record(r, stream_arn="arn", region="us-east-1", from_moto=True)),
                passes(
                    stream_record(
                        images_pruned(r, fields), stream_arn="arn", region="us-east-1", from_moto=True
                    )
                ),
            )
            for r in records
        ]

        # Then both answers agree, and the filters let something through and stop something (a
        # condition on a whole image matches nothing: moto's engine flattens a record to leaves)
        assert all(whole == probe for whole, probe in answers), (chosen, answers)
        if chosen != template + odd:  # (together, something lets every record through)
            assert {whole for whole, _ in answers} == ({False} if chosen == odd[:1] else {True, False})


def test_receipt_handles_and_ses_message_ids_keep_moto_shape_and_seeding(toy_cloud: EmbeddedCloud) -> None:
    # Given moto's own identifier makers and the one-draw ones in their place (a cloud installed them)
    del toy_cloud
    import re

    import moto.ses.utils
    import moto.sqs.models
    from moto.moto_api._internal import mock_random

    handle = getattr(moto.sqs.models, "generate_receipt_handle")  # noqa: B009 (not re-exported)
    message_id = moto.ses.utils.get_random_message_id
    moto_handle = original(moto.sqs.models, "generate_receipt_handle")
    assert handle is not moto_handle  # the patch is in place where moto's SQS calls it

    # Then each has the shape moto's has, differs from draw to draw, and follows moto's seed
    assert re.fullmatch(r"[a-z]{185}", handle()) and re.fullmatch(r"[a-z]{185}", moto_handle())
    shape = r"[a-z]{16}-[a-z]{8}-[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{12}-[a-z]{6}"
    assert re.fullmatch(shape, message_id()) and handle() != handle()
    mock_random.seed(7)
    first = (handle(), message_id())
    mock_random.seed(7)
    assert (handle(), message_id()) == first


def test_a_value_is_sized_as_moto_sizes_it(toy_cloud: EmbeddedCloud) -> None:
    # Given values of every type, nested ones, and moto's own `size`
    from moto.dynamodb.models.dynamo_type import DynamoType

    del toy_cloud
    moto_size = original(DynamoType, "size")
    values: list[dict[str, Any]] = [
        {"S": "héllo"},
        {"S": ""},
        {"N": "-12.500"},
        {"B": "aGVsbG8="},
        {"B": b"raw"},
        {"BOOL": True},
        {"NULL": True},
        {"SS": ["a", "bcd"]},
        {"NS": ["1", "22.5"]},
        {"BS": ["aGk="]},
        {"L": [{"S": "x"}, {"M": {"k": {"N": "7"}}}, {"L": []}]},
        {"M": {"ké": {"SS": ["z"]}, "m": {"M": {"deep": {"BOOL": False}}}}},
    ]

    # Then the patched size is moto's, for each
    for value in values:
        typed = DynamoType(value)
        assert typed.size() == moto_size(typed), value


def test_the_byte_size_is_moto_own() -> None:
    from moto.dynamodb.models.utilities import bytesize

    from localcloud.patches.dynamodb import _bytesize

    for value in ("", "héllo", "x" * 100, b"raw\x00bytes"):
        assert _bytesize(value) == bytesize(value)  # type: ignore[arg-type]
