"""moto's server, with DynamoDB calls run one at a time.

moto's TransactWriteItems snapshots the whole table and, when a condition
fails, restores the snapshot: with the server's request threads, a refused
transaction (a create at the tenant's active-job limit) silently undoes every
write another thread made meanwhile, e.g. a job just acknowledged with 202.
DynamoDB isolates transactions; one lock around moto's DynamoDB backend does
the same here. S3 and SQS (long polls) stay concurrent.

Usage: python moto_server_serialized.py -H 127.0.0.1 -p 4566
"""
import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_lock = threading.RLock()


def _serialized(method):
    @functools.wraps(method)
    def call(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    return call


for _name, _member in list(vars(DynamoDBBackend).items()):
    if callable(_member) and not _name.startswith("_"):
        setattr(DynamoDBBackend, _name, _serialized(_member))

if __name__ == "__main__":
    main(sys.argv[1:])
