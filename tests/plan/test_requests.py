"""Jobs carry typed requests built once in expansion; their canonical mapping is what the key hashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from runner.campaignfile.load import load_spec
from runner.plan.expand import build_graph
from runner.plan.job import job_key
from runner.plan.requests import AvatarRequest, RefreshRequest, RenderRequest, Request, TwinRequest, UploadRequest
from runner.vocabulary.kinds import JobKind
from runner.vocabulary.names import tagged_video_name

SPEC = """version: 1
campaign: typed
avatars:
  isabelle: {id: "7295705233773068290"}
  look: {provider: heygen, id: "look-1"}
  dana: {provider: heygen, twin: {name: Dana, footage: {url: "https://cdn.example.com/dana.mp4"}}}
scripts:
  hello: {text: "Hello {{ product }}."}
videos:
  - id: promo
    avatars: [isabelle]
    scripts: [hello]
    matrix: {product: [Boot]}
  - id: hg
    provider: heygen
    avatars: [look, dana]
    scripts: [hello]
    matrix: {product: [Boot]}
    voice: v-1
refresh:
  - id: music
    source: {from: promo}
    strategies: [SWAP_MUSIC]
  - id: hooks
    source: {url: "https://cdn.example.com/ad.mp4"}
    strategies: [ADD_HOOK]
    hook: {type: HOLIDAY, product_category: TRAVEL, holiday_themes: [EASTER]}
"""


def test_every_job_carries_its_typed_request_and_its_key_hashes_the_canonical_mapping(
    write_spec: Callable[[str], Path],
) -> None:
    graph = build_graph(load_spec(write_spec(SPEC)))
    by_kind: dict[str, list[object]] = {}
    for job in graph.jobs.values():
        assert isinstance(job.payload, Request)
        assert job.key == job_key(job.kind, job.provider, job.request)
        by_kind.setdefault(job.kind, []).append(job.payload)
    [avatar] = by_kind[JobKind.AVATAR_VIDEO]
    assert isinstance(avatar, AvatarRequest) and avatar.script == "Hello Boot."
    avatar_job = next(j for j in graph.jobs.values() if j.kind == JobKind.AVATAR_VIDEO)
    assert avatar.video_name == tagged_video_name(avatar_job.name or "", avatar_job.key, owner="typed")
    assert avatar_job.request == {"avatar_id": "7295705233773068290", "script": "Hello Boot."}
    [twin] = by_kind[JobKind.HEYGEN_AVATAR]
    assert twin == TwinRequest(None, "https://cdn.example.com/dana.mp4", None)
    renders = sorted(by_kind[JobKind.HEYGEN_VIDEO], key=lambda r: str(getattr(r, "twin_job", "")))
    assert all(
        isinstance(r, RenderRequest) and (r.option("voice_id"), r.option("aspect_ratio")) == ("v-1", "9:16")
        for r in renders
    )
    twin_job = next(j for j in graph.jobs.values() if j.kind == JobKind.HEYGEN_AVATAR)
    assert [getattr(r, "twin_job", None) for r in renders] == [None, twin_job.key]
    uploads = by_kind[JobKind.UPLOAD]
    assert {(u.url, u.source_job) for u in uploads if isinstance(u, UploadRequest)} == {
        (None, avatar_job.key),
        ("https://cdn.example.com/ad.mp4", None),
    }
    hooks = [r.add_hook for r in by_kind[JobKind.REFRESH_VIDEO] if isinstance(r, RefreshRequest)]
    assert None in hooks and {"hook_type": "HOLIDAY", "product_category": "TRAVEL", "holiday_theme": "EASTER"} in hooks
