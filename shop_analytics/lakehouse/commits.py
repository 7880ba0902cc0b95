"""Small PyIceberg appends (run records, quality scores) that may race another writer."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pyarrow as pa
from pyiceberg.exceptions import CommitFailedException, NamespaceAlreadyExistsError, TableAlreadyExistsError
from pyiceberg.table import Table
from sqlalchemy.exc import IntegrityError

COMMIT_ATTEMPTS = 5
# Lost races: a commit on stale metadata, or a namespace/table that another writer created
# between the existence check and the create (the SQL catalog reports that one as the
# database's unique-key violation).
RACES = (CommitFailedException, NamespaceAlreadyExistsError, TableAlreadyExistsError, IntegrityError)


def append_retrying(load_table: Callable[[], Table], rows: pa.Table, attempts: int = COMMIT_ATTEMPTS) -> None:
    """Append ``rows`` to the table ``load_table`` returns; a commit that loses a race is retried.

    PyIceberg's append does not retry: two runs that finish together (lingering ingest runs
    stop on the same quiet topic) both commit on the same metadata and one fails with
    ``CommitFailedException`` (on a new table: "branch main was created concurrently").
    ``load_table`` may create the table (and its namespace), which races the same way. Each
    attempt loads fresh metadata; the jittered pause keeps the retries apart.
    """
    for attempt in range(1, attempts + 1):
        try:
            load_table().append(rows)
            return
        except RACES:
            if attempt == attempts:
                raise
            time.sleep(0.1 * attempt + random.uniform(0.0, 0.2))
