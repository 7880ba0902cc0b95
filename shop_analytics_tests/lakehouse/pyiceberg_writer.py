"""A second OS process that appends to an Iceberg table through PyIceberg while Spark does too.

Run as ``python -m shop_analytics_tests.lakehouse.pyiceberg_writer TABLE COUNT URI WAREHOUSE``.
It prints ``ready`` once the catalog and table are loaded, waits for a line on stdin (the
test's start signal), appends COUNT one-row commits tagged ``writer=py`` and prints a JSON
line with how many commits it had to retry.

PyIceberg does not retry a commit itself: when another writer committed since the table was
loaded, the catalog rejects the commit (CommitFailedException) and this writer reloads the
table and appends again, the same optimistic loop Iceberg's Java library runs inside Spark.
"""

from __future__ import annotations

import json
import sys

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException

from shop_analytics.platform.lakehouse import CATALOG_NAME

MAX_ATTEMPTS = 20


def main(table_name: str, count: int, uri: str, warehouse: str) -> None:
    catalog = SqlCatalog(CATALOG_NAME, uri=uri, warehouse=warehouse)
    table = catalog.load_table(table_name)
    print("ready", flush=True)
    sys.stdin.readline()
    retries = 0
    for n in range(count):
        rows = pa.table({"writer": pa.array(["py"], pa.string()), "n": pa.array([n], pa.int64())})
        for _ in range(MAX_ATTEMPTS):
            try:
                table.append(rows, snapshot_properties={"writer": "py"})
                break
            except CommitFailedException:
                retries += 1
                table = catalog.load_table(table_name)
        else:
            raise SystemExit(f"append {n} still conflicting after {MAX_ATTEMPTS} attempts")
    print(json.dumps({"retries": retries}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
