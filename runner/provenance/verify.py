"""Checking downloaded videos against their content credentials: unsigned, altered, or signed for another job."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.lock.records import Lockfile
from runner.provenance.manifest import SOURCE_TYPE
from runner.provenance.sign import file_digest, read_credentials


@dataclass(frozen=True, slots=True)
class Verdict:
    """One downloaded file and what its credentials say: `ok`, `unsigned`, `altered`, `other-job` or `missing`."""

    key: str
    path: str
    status: str
    detail: str = ""


def verify_file(path: Path, key: str, recorded_sha256: str) -> tuple[str, str]:
    """(status, detail) of one file that the lockfile says job `key` downloaded."""
    if not path.is_file():
        return "missing", "not on disk; the next apply downloads it again"
    found = read_credentials(path)
    if found is None:
        return "unsigned", "carries no content credentials"
    wrong = [code for code in found.failures if code != "signingCredential.untrusted"]
    if wrong:
        return "altered", "the manifest does not match the file: " + ", ".join(wrong)
    job = (found.assertion or {}).get("job_key")
    if job != key:
        return "other-job", f"signed for job {job or '(none)'}"
    if found.source_type != SOURCE_TYPE:
        return "altered", f"digital source type is {found.source_type}"
    if file_digest(path)[0] != recorded_sha256:
        return "altered", "its sha256 differs from the lockfile's"
    return "ok", "signed" + (" (certificate not on a trust list)" if found.failures else "")


def verify_lock(lock: Lockfile, lock_dir: Path) -> list[Verdict]:
    """A verdict for every file the lockfile records, in key order."""
    verdicts = []
    for key in sorted(lock.jobs):
        for artifact in lock.jobs[key].artifacts:
            status, detail = verify_file(lock_dir / artifact.path, key, artifact.sha256)
            verdicts.append(Verdict(key, artifact.path, status, detail))
    return verdicts
