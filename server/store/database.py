"""The database every service stores in (SQLite in WAL mode by default, PostgreSQL in shared mode), and its one
write path.

A service reads with `db.read()` and writes with `db.write()`, which hands out a `Transaction`: the block's
statements commit together when it ends, or none of them when it raises. SQLite allows one writer at a time, so
writes are serialised in the process (one lock for every service: none waits for SQLite's busy timeout, none fails
to upgrade a read lock); PostgreSQL takes plain transactions side by side. Reads never wait for a write: they see
what was committed before (SQLite's WAL, PostgreSQL's MVCC).

A write inside a write on the same thread joins it: that is how several services' methods make one unit of work
(the task engine commits a checkpoint's CIs and records it in the task's row together), and how a service tells
another of a change inside the transaction that makes it (`Repository.listeners`). A read inside a write reads
through it, so it sees what the write wrote so far."""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager, nullcontext
from operator import itemgetter
from typing import Callable, Iterator

from sqlalchemy import Table, create_engine, event, insert, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..errors import Conflict

# PostgreSQL's codes for a unique key taken and a deadlock: what two transactions side by side can run into.
_COLLISIONS = ("23505", "40P01")


class Transaction:
    """One write in progress: run statements with `execute`; `on_commit` defers work until it has committed."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self._after: list[Callable[[], None]] = []

    def execute(self, statement, parameters=None):
        return self.connection.execute(statement, parameters)

    def insert_many(self, table: Table, rows: list[dict]) -> None:
        """Insert rows that all have the same keys (columns of `table`) with one executemany."""
        if rows:
            columns = tuple(rows[0])
            values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
            self.insert_rows(table, columns, list(map(values, rows)))

    def insert_rows(self, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Insert rows given as tuples of the values of `columns` with one executemany. On SQLite the rows go to the
        driver as they are: SQLAlchemy's work on each row's parameters cost as much as SQLite's insert."""
        if not rows:
            return
        if self.connection.dialect.name != "sqlite":
            self.connection.execute(insert(table), [dict(zip(columns, row)) for row in rows])
            return
        sql = _sqlite_insert(table, columns, self.connection.dialect.identifier_preparer.quote)
        self.connection.exec_driver_sql(sql, rows)

    def select_in(self, table: Table, columns: tuple[str, ...], key: str, values: list) -> list[tuple]:
        """`select_in` (below) in this transaction."""
        return select_in(self.connection, table, columns, key, values)

    def on_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (never when it rolls back)."""
        if action not in self._after:
            self._after.append(action)


@functools.lru_cache(maxsize=64)
def _sqlite_insert(table: Table, columns: tuple, quote) -> str:
    """SQLite's INSERT of these columns of the table (worked out once)."""
    return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(table.c[c].name) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


IN_CHUNK = 500  # values in one IN (...) at most


def select_in(connection: Connection, table: Table, columns: tuple[str, ...], key: str, values: list) -> list[tuple]:
    """The `columns` of the rows whose `key` column is one of `values`, in queries of at most IN_CHUNK values
    (well below SQLite's limit of bound parameters). On SQLite the statement goes to the driver as it is, as in
    `Transaction.insert_many`: SQLAlchemy's work on an expanding `IN` cost three times the query."""
    found = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        if connection.dialect.name == "sqlite":
            quote = connection.dialect.identifier_preparer.quote
            found += connection.exec_driver_sql(_sqlite_select_in(table, columns, key, len(chunk), quote),
                                                tuple(chunk)).all()
        else:
            found += connection.execute(select(*(table.c[c] for c in columns)).where(table.c[key].in_(chunk))).all()
    return [tuple(row) for row in found]


@functools.lru_cache(maxsize=64)
def _sqlite_select_in(table: Table, columns: tuple, key: str, count: int, quote) -> str:
    """SQLite's SELECT of these columns where `key` is one of `count` values (worked out once)."""
    return (f"SELECT {', '.join(quote(table.c[c].name) for c in columns)} FROM {quote(table.name)} "
            f"WHERE {quote(table.c[key].name)} IN ({', '.join('?' * count)})")


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.serialised = self.engine.dialect.name == "sqlite"
        self._writer = threading.Lock() if self.serialised else None
        self._current = threading.local()

    def _transaction(self) -> Transaction | None:
        return getattr(self._current, "transaction", None)

    @property
    def writing(self) -> bool:
        """Whether this thread is inside a write."""
        return self._transaction() is not None

    @contextmanager
    def read(self) -> Iterator[Connection | Transaction]:
        """Something to read with (`execute`): inside a write on this thread, that write."""
        transaction = self._transaction()
        if transaction is not None:
            yield transaction
            return
        with self.engine.connect() as connection:
            yield connection

    def select_in(self, table: Table, columns: tuple[str, ...], key: str, values: list) -> list[tuple]:
        """`select_in` as a read (inside a write on this thread: through that write)."""
        with self.read() as conn:
            return select_in(conn.connection if isinstance(conn, Transaction) else conn, table, columns, key, values)

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """One transaction (see the module docstring); inside a write on this thread, that write. A unique key that
        another transaction took meanwhile, or a deadlock with one, is a Conflict: nothing was written."""
        transaction = self._transaction()
        if transaction is not None:
            yield transaction
            return
        try:
            with self._writer or nullcontext(), self.engine.begin() as connection:
                transaction = self._current.transaction = Transaction(connection)
                try:
                    yield transaction
                finally:
                    self._current.transaction = None
        except DBAPIError as exc:
            if getattr(exc.orig, "pgcode", None) in _COLLISIONS:
                raise Conflict("The change collided with another one made at the same moment, so nothing was "
                               "written; try again.") from exc
            raise
        for action in transaction._after:
            action()

    def dispose(self) -> None:
        """Close the connections (at shutdown)."""
        self.engine.dispose()


def make_engine(url: str) -> Engine:
    """An engine for the database URL; SQLite gets WAL mode and a busy timeout. The schema is made and upgraded
    before, by server.store.schema_version.upgrade."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # LIKE finds what is below an id (the repository's subtrees): as in PostgreSQL, case matters, since ids
            # that differ only in case are different CIs.
            cursor.execute("PRAGMA case_sensitive_like=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subtree(column, ci_id: str):
    """SQL condition: the column (of CI ids) is ci_id or a descendant of it."""
    return or_(column == ci_id, column.like(like_escape(ci_id) + "/%", escape="\\"))
