"""Signing an MP4 in place: the manifest reads back valid, the file still plays, a changed byte is caught."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runner.errors import ConfigError
from runner.media.probe import ffmpeg_exe, probe_video
from runner.provenance.keys import SigningKeys
from runner.provenance.manifest import SOURCE_TYPE, JobFacts, manifest
from runner.provenance.sandbox_ca import sandbox_keys
from runner.provenance.sign import file_digest, read_credentials, sign_video
from runner.provenance.verify import verify_file

FACTS = JobFacts(
    "demo", "av-0123456789abcdef", ("videos.promo[avatar=a,script=s]",), "tiktok", "v1", "d" * 64, "Hi.", "AI-generated"
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=160x90:d=1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


def signed_copy(clip: Path, tmp_path: Path, keys: SigningKeys | None = None) -> Path:
    path = tmp_path / "v.mp4"
    path.write_bytes(clip.read_bytes())
    sha256, size = sign_video(path, manifest(FACTS, path.name), keys or sandbox_keys())
    assert (sha256, size) == file_digest(path) and size > clip.stat().st_size
    return path


def test_a_signed_file_reads_back_with_its_job_and_still_plays(clip: Path, tmp_path: Path) -> None:
    path = signed_copy(clip, tmp_path)
    found = read_credentials(path)
    assert found is not None and found.intact and found.failures == ("signingCredential.untrusted",)
    assert found.source_type == SOURCE_TYPE
    assert found.assertion is not None and found.assertion["job_key"] == FACTS.job_key
    assert found.assertion["disclosure_label"] == "AI-generated" and "script" not in found.assertion
    assert probe_video(path).duration_seconds > 0.5
    assert verify_file(path, FACTS.job_key, file_digest(path)[0]) == ("ok", "signed (certificate not on a trust list)")


def test_verify_tells_unsigned_altered_and_other_job_apart(clip: Path, tmp_path: Path) -> None:
    assert verify_file(clip, FACTS.job_key, file_digest(clip)[0])[0] == "unsigned"
    path = signed_copy(clip, tmp_path)
    digest = file_digest(path)[0]
    assert verify_file(path, "av-ffffffffffffffff", digest)[0] == "other-job"
    assert verify_file(path, FACTS.job_key, "0" * 64) == ("altered", "its sha256 differs from the lockfile's")
    data = bytearray(path.read_bytes())
    data[-50] ^= 0xFF
    path.write_bytes(bytes(data))
    assert verify_file(path, FACTS.job_key, digest)[0] == "altered"
    assert verify_file(tmp_path / "gone.mp4", FACTS.job_key, digest)[0] == "missing"


def test_keys_from_pem_files_sign_too(clip: Path, tmp_path: Path) -> None:
    keys = sandbox_keys()
    path = signed_copy(clip, tmp_path, SigningKeys(keys.chain, keys.key, "CAMPAIGN_C2PA_CERT"))
    assert read_credentials(path) is not None


def test_a_key_that_is_not_a_private_key_is_one_clear_error(clip: Path, tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(clip.read_bytes())
    bad = SigningKeys(sandbox_keys().chain, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "x")
    with pytest.raises(ConfigError, match="the signing key cannot be read"):
        sign_video(path, manifest(FACTS, "v.mp4"), bad)
    assert path.read_bytes() == clip.read_bytes()  # nothing half-written
