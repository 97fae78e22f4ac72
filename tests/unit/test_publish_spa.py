"""`make deploy`'s SPA publishing, against the emulator's S3 and CloudFront."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import boto3
import pytest

from localcloud.cloud import EmbeddedCloud
from scripts.publish_spa import IMMUTABLE, REVALIDATE, publish


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Herald</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    return tmp_path


def test_publish_uploads_the_build_and_config_with_cache_headers_and_prunes_stale_files(
    cloud: EmbeddedCloud, dist: Path
) -> None:
    # Given a stack's bucket holding a file from an older build, and its distribution
    bucket = f"web-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=cloud.endpoint_url, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="assets/index-old.js", Body=b"old")
    cloudfront = boto3.client("cloudfront", endpoint_url=cloud.endpoint_url, region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": bucket,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "o",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )["Distribution"]["Id"]
    outputs = {
        "WebBucketName": bucket,
        "WebDistributionId": distribution,
        "WebSocketUrl": "wss://ws.example.com/dev",
    }

    # When the build is published
    count = publish(s3=s3, cloudfront=cloudfront, outputs=outputs, stage="dev", dist=dist)

    # Then the files and config.json are there with the right headers, and the stale file is gone
    assert count == 3
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"index.html", "assets/index-abc123.js", "config.json"}
    assert s3.head_object(Bucket=bucket, Key="assets/index-abc123.js")["CacheControl"] == IMMUTABLE
    index = s3.head_object(Bucket=bucket, Key="index.html")
    assert (index["CacheControl"], index["ContentType"]) == (REVALIDATE, "text/html")
    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    assert config == {"apiBase": "/api", "wsUrl": "wss://ws.example.com/dev", "stage": "dev"}
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert invalidations["Quantity"] == 1
