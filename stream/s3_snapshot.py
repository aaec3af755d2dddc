"""A bucket of the development S3 server copied to and from a directory.

``moto_server`` keeps its objects in memory, so on its own it makes the broker's data outlive the
broker but not the S3 server. ``sentimon up --durable`` therefore saves the bucket to the data
directory once the broker has stopped (nothing is writing then, so the copy is consistent) and
puts it back into a fresh S3 server before the broker starts. The copy replaces the previous
one by renames: an interrupted save leaves the previous copy, at worst under a hidden name beside it.

A crash of the supervisor itself saves nothing: what the broker took since the last start is then
lost, as with the in-memory broker.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from stream.broker import S3Server


class SnapshotError(RuntimeError):
    """The bucket could not be listed, read or written back."""


def _client(s3: S3Server) -> Any:
    """A signed client: moto lists a bucket to anyone but serves objects only to signed requests."""
    import boto3  # comes with moto, the s3 extra: only durable mode needs it

    env = s3.env()
    return boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )


def _relative(key: str) -> Path:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SnapshotError(f"object key {key!r} cannot be stored as a file")
    return Path(*path.parts)


def save(s3: S3Server, directory: Path) -> int:
    """Copy every object of the server's bucket into ``directory`` (replacing it whole); returns objects saved."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = _client(s3)
    staging = directory.with_name(f".{directory.name}-{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        keys = [
            item["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=s3.bucket)
            for item in page.get("Contents", [])
        ]
        for key in keys:
            target = staging / _relative(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(client.get_object(Bucket=s3.bucket, Key=key)["Body"].read())
        old = directory.with_name(f".{directory.name}-old-{uuid.uuid4().hex}")
        if directory.exists():
            directory.rename(old)
        staging.rename(directory)
        shutil.rmtree(old, ignore_errors=True)
        return len(keys)
    except (BotoCoreError, ClientError) as exc:
        raise SnapshotError(f"saving bucket {s3.bucket}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        client.close()


def restore(s3: S3Server, directory: Path) -> int:
    """Put every file under ``directory`` back as an object of the server's bucket; returns objects restored."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not directory.is_dir():
        return 0
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    client = _client(s3)
    try:
        for path in files:
            client.put_object(Bucket=s3.bucket, Key=path.relative_to(directory).as_posix(), Body=path.read_bytes())
    except (BotoCoreError, ClientError) as exc:
        raise SnapshotError(f"restoring bucket {s3.bucket}: {exc}") from exc
    finally:
        client.close()
    return len(files)
