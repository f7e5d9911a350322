"""The audit trail: every action that changes something, and every refused one, with who did it, what,
on which CI or task, when, from which address and how it ended.

Each entry goes to the `audit` table (queried by admins through `GET /security/audit`) and, as one JSON
line, to `log/audit.log`. Request bodies are never recorded, only the action, the ids in its path and
a few query parameters (newId, newName, time), so secrets cannot reach the trail. Entries are written
by a background thread a few milliseconds after the request (a query writes pending ones first); at
shutdown every pending entry is written.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import and_, func, select

from ..errors import BadRequest
from ..store.database import Database
from ..store.dates import format_date, is_day, now_iso, parse_date, period_bound
from ..store.tables.security import audit
from ..text import storable

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
GATHER_SECONDS = 0.01  # how long entries wait for others to be written with
FIELDS = ("at", "username", "action", "method", "path", "target", "address", "status", "result", "message")


def _cut(text: str | None, size: int = 255) -> str | None:
    return text[:size] if text is not None else None


def result_of(status: int) -> str:
    if status < 400:
        return "OK"
    if status in (401, 403):
        return "REFUSED"
    return "FAILED"


class Audit:
    def __init__(self, db: Database, log_dir: Path | None = None):
        self.db = db
        self._pending: list[dict] = []
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._closed = False
        self._file = self._file_logger(log_dir) if log_dir is not None else None
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._thread.start()

    @staticmethod
    def _file_logger(log_dir: Path) -> logging.Logger:
        logger = logging.getLogger(f"deployit.audit.{id(log_dir)}")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(Path(log_dir) / "audit.log", maxBytes=10 * 1024 * 1024,
                                                       backupCount=10, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        return logger

    # -- recording -----------------------------------------------------------------------------
    def record(self, *, user: str | None, action: str, method: str, path: str, target: str | None,
               address: str | None, status: int, message: str | None = None) -> None:
        # Text the database cannot keep (NUL, lone surrogates) goes in escaped, then cut to its column (an
        # unknown path makes a long action).
        entry = {"at": now_iso(), "username": _cut(storable(user)), "action": _cut(storable(action)),
                 "method": method, "path": storable(path), "target": storable(target), "address": address,
                 "status": int(status), "result": result_of(status), "message": storable(message)}
        with self._cond:
            self._pending.append(entry)
            if len(self._pending) == 1:  # the writer waits for a first entry only (see _run)
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed, timeout=1.0)
                if self._closed and not self._pending:
                    return
                # The entries of the next few milliseconds join these: one transaction for requests close together
                # rather than one each, beside theirs.
                self._cond.wait_for(lambda: self._closed, timeout=GATHER_SECONDS)
            self.flush()

    def flush(self) -> None:
        """Write every entry recorded so far."""
        with self._write_lock:
            with self._cond:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                with self.db.write() as conn:
                    conn.insert_many(audit, batch)
            except Exception:  # the trail must not take the server down; the log file still gets it
                log.exception("Could not write %d audit entries to the database", len(batch))
            if self._file is not None:  # one record for the batch: the handler's work (flush, rollover) once
                self._file.info("\n".join(
                    json.dumps({"time" if k == "at" else ("user" if k == "username" else k): v
                                for k, v in entry.items()}, sort_keys=False) for entry in batch))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout=5)
        self.flush()
        if self._file is not None:
            for handler in self._file.handlers:
                handler.flush()

    # -- querying ------------------------------------------------------------------------------
    def query(self, user: str | None = None, since: str | None = None, until: str | None = None,
              page: int = 1, per_page: int = 100) -> tuple[list[dict], int]:
        """Entries oldest first, `page` counted from 1; `since`/`until` are ISO dates or times (UTC)."""
        self.flush()
        if per_page is None or per_page <= 0:
            per_page = 100
        if per_page > MAX_PAGE_SIZE:
            raise BadRequest(f"Query parameter 'resultsPerPage' must be at most {MAX_PAGE_SIZE}.")
        if page < 1:
            raise BadRequest("Query parameter 'page' counts from 1.")
        conditions = []
        if user:
            conditions.append(audit.c.username == user)
        if since:
            conditions.append(audit.c.at >= parse_date(since, "since"))
        if until:
            conditions.append(audit.c.at <= _end_of(until))
        where = and_(*conditions) if conditions else None
        query = select(audit).order_by(audit.c.seq).limit(per_page).offset((page - 1) * per_page)
        count = select(func.count()).select_from(audit)
        if where is not None:
            query, count = query.where(where), count.where(where)
        with self.db.read() as conn:
            total = conn.execute(count).scalar_one()
            rows = conn.execute(query).all()
        return [{"id": r.seq, "time": r.at, "user": r.username, "action": r.action, "method": r.method,
                 "path": r.path, "target": r.target, "address": r.address, "status": r.status,
                 "result": r.result, "message": r.message} for r in rows], total


def _end_of(text: str) -> str:
    """`until` as an inclusive bound: a bare date means the end of that day."""
    if not is_day(text):
        return parse_date(text, "until")
    try:
        return format_date(period_bound(text, end=True) - timedelta(milliseconds=1))
    except ValueError:
        raise BadRequest(f"until: '{str(text).strip()}' is not an ISO-8601 date.") from None
