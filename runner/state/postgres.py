"""State and locks in PostgreSQL (CAMPAIGN_STATE_URL): a lease per campaign and lineage, jobs, a write-ahead journal.

Plain SQL over psycopg 3. The schema is versioned and migrated on first use under a table lock,
never an advisory-lock key (those collide across campaigns and schemas). Every write-ahead row is
committed before the request it guards: `Journal.flush()` calls `append()` before any create.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from runner.lock import records
from runner.lock.records import JobRecord, Lockfile
from runner.redact import redact_url
from runner.state.errors import LeaseLapsed, LockHeld, StateBackendError
from runner.state.lease import Lease, LeaseClock, holder, holder_gone
from runner.state.lineage import KEYED_BY_LINEAGE, identify

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE campaign_states (
        campaign text NOT NULL, world text NOT NULL, lineage text NOT NULL, serial bigint NOT NULL,
        meta jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (campaign, world));
    CREATE TABLE campaign_jobs (
        campaign text NOT NULL, world text NOT NULL, key text NOT NULL, record jsonb NOT NULL,
        PRIMARY KEY (campaign, world, key));
    CREATE TABLE campaign_journal (
        id bigserial PRIMARY KEY, campaign text NOT NULL, world text NOT NULL, key text NOT NULL,
        record jsonb, at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE campaign_locks (
        campaign text NOT NULL, world text NOT NULL, lock_id text NOT NULL, holder jsonb NOT NULL,
        operation text NOT NULL, since timestamptz NOT NULL, expires_at timestamptz NOT NULL,
        PRIMARY KEY (campaign, world));
    """,
    KEYED_BY_LINEAGE,
)


class PostgresState:
    """One connection for state and journal writes; leases renewed on their own connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.shown = redact_url(url)
        self.conn = self._connect()
        self.lost: str | None = None  # why the lease was lost, once it is
        self.held: Lease | None = None
        self.clock = LeaseClock()
        self._heartbeat: threading.Thread | None = None
        self._stop = threading.Event()
        self.migrate()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, autocommit=False, connect_timeout=10)
        except psycopg.Error as exc:
            raise StateBackendError(
                f"cannot reach the state backend at {self.shown}: {_reason(exc)}; check CAMPAIGN_STATE_URL "
                "and that PostgreSQL is running"
            ) from None

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Cursor[Any]]:
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            raise StateBackendError(
                f"the state backend at {self.shown} failed: {_reason(exc)}; nothing more was sent. Run apply "
                "again once it is back: what is known is in the local lockfile and journal"
            ) from None

    def migrate(self) -> None:
        """Create or bring the schema up to date (one transaction, serialised by a table lock)."""
        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                cur.execute("CREATE TABLE IF NOT EXISTS campaign_schema_version (version integer NOT NULL)")
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject):
            pass  # another runner created it (or its row type) at the same moment: IF NOT EXISTS is not atomic
        except psycopg.Error as exc:
            raise StateBackendError(f"the state backend at {self.shown} failed: {_reason(exc)}") from None
        with self._tx() as cur:
            cur.execute("LOCK TABLE campaign_schema_version IN ACCESS EXCLUSIVE MODE")
            cur.execute("SELECT version FROM campaign_schema_version")
            row = cur.fetchone()
            version = row[0] if row else 0
            for sql in MIGRATIONS[version:]:
                cur.execute(sql)
            if row is None:
                cur.execute("INSERT INTO campaign_schema_version VALUES (%s)", (len(MIGRATIONS),))
            elif version < len(MIGRATIONS):
                cur.execute("UPDATE campaign_schema_version SET version = %s", (len(MIGRATIONS),))

    # --- leases ------------------------------------------------------------------------------
    def acquire(self, campaign: str, lineage: str, operation: str, lease: float, timeout: float) -> Lease:
        """Take the lease, waiting up to `timeout` seconds while another runner holds it."""
        lock_id = uuid.uuid4().hex[:12]
        deadline = time.monotonic() + timeout
        gone = ""  # the lock id of a holder provably gone (this host, its process not running): taken over at once
        while True:
            asked = self.clock.now()  # the lease runs from no earlier than this, on the server's clock
            with self._tx() as cur:
                # A holder paused inside a transaction must not keep its row locks past its lease: the
                # server ends such a session, so the next runner can take over.
                cur.execute(
                    "SELECT set_config('idle_in_transaction_session_timeout', %s, false)",
                    (str(int(max(1.0, lease / 2) * 1000)),),
                )
                cur.execute(
                    "INSERT INTO campaign_locks AS l VALUES (%s, %s, %s, %s, %s, now(), now() + make_interval(secs => %s))"
                    " ON CONFLICT (campaign, lineage) DO UPDATE SET lock_id = EXCLUDED.lock_id, holder = EXCLUDED.holder,"
                    " operation = EXCLUDED.operation, since = now(), expires_at = EXCLUDED.expires_at"
                    " WHERE l.expires_at < now() OR l.lock_id = %s RETURNING since::text, expires_at::text",
                    (campaign, lineage, lock_id, json.dumps(holder()), operation, lease, gone),
                )
                row = cur.fetchone()
            if row is not None:
                self.lost = None
                self.clock.renewed(asked, lease)
                self.held = Lease(campaign, lineage, lock_id, holder(), operation, row[0], row[1])
                self._start_heartbeat(campaign, lineage, lock_id, lease)
                return self.held
            current = self.lease(campaign, lineage)
            if current is not None and holder_gone(current.holder) and current.lock_id != gone:
                gone = current.lock_id
                continue
            if time.monotonic() >= deadline:
                raise LockHeld(
                    f"the state of {campaign} is locked: {current.describe() if current else 'by another runner'}. "
                    "Wait for it (apply --lock-timeout 15m), or if its holder is gone for good: "
                    f"campaign force-unlock {current.lock_id if current else 'LOCK_ID'} SPEC"
                )
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))

    def _start_heartbeat(self, campaign: str, lineage: str, lock_id: str, lease: float) -> None:
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)

        def beat() -> None:
            try:
                while not self._stop.wait(max(0.2, lease / 3)):
                    asked = self.clock.now()
                    cur = conn.execute(
                        "UPDATE campaign_locks SET expires_at = now() + make_interval(secs => %s)"
                        " WHERE campaign = %s AND lineage = %s AND lock_id = %s",
                        (lease, campaign, lineage, lock_id),
                    )
                    if cur.rowcount != 1:
                        self.lost = "another runner took over the lease"
                        return
                    self.clock.renewed(asked, lease)
            except psycopg.Error as exc:
                self.lost = f"the lease could not be renewed ({_reason(exc)})"
            finally:
                conn.close()

        self._stop.clear()
        self._heartbeat = threading.Thread(target=beat, name="campaign-lease", daemon=True)
        self._heartbeat.start()

    def release(self, lease: Lease) -> None:
        """Stop renewing and drop the lease (only ours)."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        self.held = None
        try:
            with self._tx() as cur:
                cur.execute(
                    "DELETE FROM campaign_locks WHERE campaign = %s AND lineage = %s AND lock_id = %s",
                    (lease.campaign, lease.lineage, lease.lock_id),
                )
        except StateBackendError:
            pass  # it expires on its own

    def lease(self, campaign: str, lineage: str) -> Lease | None:
        """The lease on one campaign and lineage, if any."""
        return next((lease for lease in self.leases() if (lease.campaign, lease.lineage) == (campaign, lineage)), None)

    def leases(self) -> list[Lease]:
        """Every lease in the backend, live or expired."""
        with self._tx() as cur:
            cur.execute(
                "SELECT campaign, lineage, lock_id, holder, operation, since::text, expires_at::text"
                " FROM campaign_locks ORDER BY campaign, lineage"
            )
            return [Lease(r[0], r[1], r[2], dict(r[3]), r[4], r[5], r[6]) for r in cur.fetchall()]

    def force_unlock(self, campaign: str, lock_id: str) -> Lease:
        """Remove a lease by its id (its holder is gone)."""
        found = next(
            (lease for lease in self.leases() if lease.campaign == campaign and lease.lock_id == lock_id), None
        )
        if found is None:
            raise StateBackendError(f"no lock {lock_id} on {campaign}; `campaign lock list` shows the locks")
        with self._tx() as cur:
            cur.execute("DELETE FROM campaign_locks WHERE campaign = %s AND lock_id = %s", (campaign, lock_id))
        return found

    def check_lease(self) -> None:
        """Refuse to go on once the lease is lost or may have lapsed: another runner may be creating the same videos."""
        if self.lost is None and self.held is not None and self.clock.lapsed():
            self.lost = (
                f"the lease on the state of {self.held.campaign} was last renewed {self.clock.age():.0f} s ago "
                "(this runner was paused, or could not reach the backend), so another runner may hold it now"
            )
        if self.lost is not None:
            raise LeaseLapsed(f"stopped: {self.lost}; nothing more was sent. Run apply again")

    def _fence(self, cur: psycopg.Cursor[Any]) -> None:
        """Inside a write: the lease is still ours and unexpired (the row lock keeps it so until commit)."""
        self.check_lease()
        if self.held is None:
            return
        cur.execute(
            "SELECT expires_at > now() FROM campaign_locks WHERE campaign = %s AND lineage = %s AND lock_id = %s"
            " FOR SHARE",
            (self.held.campaign, self.held.lineage, self.held.lock_id),
        )
        row = cur.fetchone()
        if row is None or not row[0]:
            self.lost = "another runner took over the lease" if row is None else "the lease expired"
            self.check_lease()

    # --- state -------------------------------------------------------------------------------
    def read(self, campaign: str, lineage: str) -> Lockfile | None:
        """The campaign's state of this lineage, or None when the backend has none."""
        with self._tx() as cur:
            cur.execute("SELECT meta FROM campaign_states WHERE campaign = %s AND lineage = %s", (campaign, lineage))
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(
                "SELECT key, record FROM campaign_jobs WHERE campaign = %s AND lineage = %s", (campaign, lineage)
            )
            jobs = {key: record for key, record in cur.fetchall()}
        return records.from_data({**row[0], "lineage": lineage, "jobs": jobs}, f"state backend {self.shown}")

    def identify(self, campaign: str, origin: str, lineage: str, legacy_key: str) -> str:
        """The lineage a checkout's state lives under (runner.state.lineage.identify)."""
        with self._tx() as cur:
            return identify(cur, campaign, origin, lineage, legacy_key)

    def append(self, lock: Lockfile, lineage: str, changes: Iterable[tuple[str, JobRecord | None]]) -> None:
        """Commit write-ahead rows and the jobs they change, before the requests they guard."""
        self.check_lease()
        rows = list(changes)
        if not rows:
            return
        with self._tx() as cur:
            self._fence(cur)
            self._ensure(cur, lock, lineage)
            for key, record in rows:
                data = None if record is None else _record_data(lock.campaign, key, record)
                cur.execute(
                    "INSERT INTO campaign_journal (campaign, lineage, key, record) VALUES (%s, %s, %s, %s)",
                    (lock.campaign, lineage, key, None if data is None else json.dumps(data)),
                )
                if data is None:
                    cur.execute(
                        "DELETE FROM campaign_jobs WHERE campaign = %s AND lineage = %s AND key = %s",
                        (lock.campaign, lineage, key),
                    )
                else:
                    cur.execute(
                        "INSERT INTO campaign_jobs VALUES (%s, %s, %s, %s) ON CONFLICT (campaign, lineage, key)"
                        " DO UPDATE SET record = EXCLUDED.record",
                        (lock.campaign, lineage, key, json.dumps(data)),
                    )

    def write(self, lock: Lockfile, lineage: str) -> None:
        """Replace the whole state (compaction, `state push`): metadata, every job; the journal is trimmed."""
        with self._tx() as cur:
            self._fence(cur)
            meta = {k: v for k, v in records.to_data(lock).items() if k != "jobs"}
            cur.execute(
                "INSERT INTO campaign_states (campaign, lineage, stored_lineage, serial, meta) VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (campaign, lineage) DO UPDATE SET stored_lineage = EXCLUDED.stored_lineage, serial = EXCLUDED.serial,"
                " meta = EXCLUDED.meta, updated_at = now()",
                (lock.campaign, lineage, lineage, lock.serial, json.dumps(meta)),
            )
            cur.execute("DELETE FROM campaign_jobs WHERE campaign = %s AND lineage = %s", (lock.campaign, lineage))
            for key, record in lock.jobs.items():
                cur.execute(
                    "INSERT INTO campaign_jobs VALUES (%s, %s, %s, %s)",
                    (lock.campaign, lineage, key, json.dumps(_record_data(lock.campaign, key, record))),
                )
            cur.execute("DELETE FROM campaign_journal WHERE campaign = %s AND lineage = %s", (lock.campaign, lineage))

    def _ensure(self, cur: psycopg.Cursor[Any], lock: Lockfile, lineage: str) -> None:
        meta = {k: v for k, v in records.to_data(lock).items() if k != "jobs"}
        cur.execute(
            "INSERT INTO campaign_states (campaign, lineage, stored_lineage, serial, meta) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (campaign, lineage) DO NOTHING",
            (lock.campaign, lineage, lineage, lock.serial, json.dumps(meta)),
        )

    def mirror(self, lineage: str) -> BackendMirror:
        """The engine's journal mirror for one lineage of this backend."""
        return BackendMirror(self, lineage)

    def close(self) -> None:
        """Close the connection."""
        self._stop.set()
        self.conn.close()


def _record_data(campaign: str, key: str, record: JobRecord) -> dict[str, Any]:
    data: dict[str, Any] = records.to_data(Lockfile(campaign=campaign, jobs={key: record}))["jobs"][key]
    return data


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace("\n", " ")[:200]


class BackendMirror:
    """The engine's journal, mirrored into PostgreSQL for one campaign and lineage."""

    def __init__(self, state: PostgresState, lineage: str) -> None:
        self.state = state
        self.lineage = lineage

    def append(self, lock: Lockfile, changes: list[tuple[str, JobRecord | None]]) -> None:
        """Commit the changes (after the local journal) before the requests they guard."""
        self.state.append(lock, self.lineage, changes)

    def snapshot(self, lock: Lockfile) -> None:
        """Store the whole state."""
        self.state.write(lock, self.lineage)

    def fence(self) -> None:
        """Right before a paid request: refuse once the lease may have lapsed (checked on this host's clock)."""
        self.state.check_lease()
