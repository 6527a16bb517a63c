"""Which lineage of a campaign a checkout's lockfile belongs to: the backend's key for state and lease.

A lineage is born with a lockfile's first write (or a checkout's first apply against the backend)
and never depends on how the environment spells the world. The backend remembers, per campaign,
which lineage each lockfile path (`origin`) holds, so a checkout without its lockfile yet joins
its lineage, and two files with one `campaign:` name never share state.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import psycopg

from runner.errors import CampaignError

# Rows stored before lineages were keyed by the world's spelling: the key column is renamed, and
# such rows are marked legacy until the first lockfile of their lineage (or of none) adopts them.
KEYED_BY_LINEAGE = """
    ALTER TABLE campaign_states RENAME COLUMN lineage TO stored_lineage;
    ALTER TABLE campaign_states RENAME COLUMN world TO lineage;
    ALTER TABLE campaign_states ADD COLUMN legacy boolean NOT NULL DEFAULT false;
    UPDATE campaign_states SET legacy = true;
    ALTER TABLE campaign_jobs RENAME COLUMN world TO lineage;
    ALTER TABLE campaign_journal RENAME COLUMN world TO lineage;
    ALTER TABLE campaign_locks RENAME COLUMN world TO lineage;
    CREATE TABLE campaign_origins (
        campaign text NOT NULL, origin text NOT NULL, lineage text NOT NULL, PRIMARY KEY (campaign, origin));
"""


class ForeignLineage(CampaignError):
    """The checkout's lockfile is of another lineage than the backend's state for that file."""


def origin_of(lock_path: Path) -> str:
    """The lockfile's path inside its git work tree (its name outside one): the same in every clone."""
    folder = lock_path.resolve().parent
    try:
        top = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        top = ""
    if top:
        try:
            return (folder / lock_path.name).relative_to(Path(top).resolve()).as_posix()
        except ValueError:
            pass
    return lock_path.name


def identify(cur: psycopg.Cursor[Any], campaign: str, origin: str, lineage: str, legacy_key: str) -> str:
    """The lineage this checkout's state lives under (`lineage`: its lockfile's, "" when it has none yet)."""
    cur.execute("LOCK TABLE campaign_origins IN SHARE ROW EXCLUSIVE MODE")  # one identification at a time
    cur.execute("SELECT lineage FROM campaign_origins WHERE campaign = %s AND origin = %s", (campaign, origin))
    row = cur.fetchone()
    mapped: str | None = row[0] if row else None
    if not lineage:
        if mapped is not None:
            return mapped
        lineage = _adopt_legacy(cur, campaign, "", legacy_key) or str(uuid.uuid4())
    else:
        if mapped is not None and mapped != lineage and _has_state(cur, campaign, mapped):
            raise ForeignLineage(
                f"{origin} is of lineage {lineage}, but the backend's state of {campaign} for this file is of "
                f"lineage {mapped}: it is another file's state, or this lockfile replaced the one the team "
                "applies. Nothing was done. `campaign state pull SPEC` writes the backend's state into the "
                "checkout; keep a separate campaign state with --lock and another file"
            )
        if not _has_state(cur, campaign, lineage):
            _adopt_legacy(cur, campaign, lineage, legacy_key)
    cur.execute(
        "INSERT INTO campaign_origins VALUES (%s, %s, %s) ON CONFLICT (campaign, origin) DO UPDATE"
        " SET lineage = EXCLUDED.lineage",
        (campaign, origin, lineage),
    )
    return lineage


def _has_state(cur: psycopg.Cursor[Any], campaign: str, lineage: str) -> bool:
    cur.execute(
        "SELECT 1 FROM campaign_states WHERE campaign = %s AND lineage = %s AND NOT legacy", (campaign, lineage)
    )
    return cur.fetchone() is not None


def _adopt_legacy(cur: psycopg.Cursor[Any], campaign: str, lineage: str, legacy_key: str) -> str | None:
    """Key a row stored before lineages by `lineage` (or by its own, for a checkout without one); its lineage."""
    if lineage:
        cur.execute(
            "SELECT lineage, stored_lineage FROM campaign_states WHERE campaign = %s AND legacy"
            " AND stored_lineage IN (%s, '') ORDER BY stored_lineage = %s DESC, lineage = %s DESC, serial DESC"
            " LIMIT 1",
            (campaign, lineage, lineage, legacy_key),
        )
    else:  # a checkout without a lockfile finds the row its world was keyed by, as before lineages
        cur.execute(
            "SELECT lineage, stored_lineage FROM campaign_states WHERE campaign = %s AND legacy AND lineage = %s",
            (campaign, legacy_key),
        )
    row = cur.fetchone()
    if row is None:
        return None
    old_key, stored = row
    adopted = lineage or stored or str(uuid.uuid4())
    cur.execute(
        "UPDATE campaign_states SET lineage = %s, stored_lineage = %s, legacy = false,"
        " meta = jsonb_set(meta, '{lineage}', to_jsonb(%s::text)) WHERE campaign = %s AND lineage = %s",
        (adopted, adopted, adopted, campaign, old_key),
    )
    for table in ("campaign_jobs", "campaign_journal"):
        cur.execute(
            f"UPDATE {table} SET lineage = %s WHERE campaign = %s AND lineage = %s",
            (adopted, campaign, old_key),
        )
    return adopted
