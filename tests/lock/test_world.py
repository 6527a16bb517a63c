"""The world fingerprint: where a lockfile's ids live, and the refusal to mix worlds."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.lock.world import Endpoint, World, WorldMismatch, check_world, world_from_env
from runner.vocabulary.providers import Credential, ProviderSpec, register_provider, unregister_provider
from runner.workspace import lock_path_for, state_dir_for

REAL = {
    "TIKTOK_API_BASE_URL": "https://user:secret@Business-API.tiktok.com/open_api/v1.3",
    "TIKTOK_ACCESS_TOKEN": "tok-123",
    "TIKTOK_ADVERTISER_ID": "7001",
}


def test_the_world_names_host_and_advertiser_and_never_a_secret() -> None:
    world = world_from_env(REAL, ["tiktok"], sandbox=False)
    assert world == World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com", "7001")})
    assert "secret" not in repr(world) and "tok-123" not in repr(world)
    assert world_from_env({}, ["heygen"], sandbox=False).providers["heygen"].host == "api.heygen.com"
    local = world_from_env({"TIKTOK_API_BASE_URL": "http://127.0.0.1:8765/open_api/v1.3"}, ["tiktok"], sandbox=False)
    assert local.providers["tiktok"] == Endpoint("127.0.0.1:8765")


def test_the_sandbox_world_does_not_depend_on_its_random_port() -> None:
    one = world_from_env({"TIKTOK_API_BASE_URL": "http://127.0.0.1:4001/x"}, ["tiktok"], sandbox=True)
    two = world_from_env({"TIKTOK_API_BASE_URL": "http://127.0.0.1:4002/x"}, ["tiktok"], sandbox=True)
    assert one == two and one.fingerprint() == two.fingerprint()


def test_another_world_is_refused_with_a_way_forward(tmp_path: Path) -> None:
    recorded = world_from_env(REAL, ["tiktok"], sandbox=False)
    moved = world_from_env(
        {**REAL, "TIKTOK_API_BASE_URL": "http://127.0.0.1:9000/open_api/v1.3"}, ["tiktok"], sandbox=False
    )
    lock_path = tmp_path / "boots.lock.yaml"
    with pytest.raises(WorldMismatch) as info:
        check_world(recorded, moved, lock_path)
    message = str(info.value)
    assert "business-api.tiktok.com (advertiser 7001)" in message and "127.0.0.1:9000" in message
    assert "--lock" in message and "boots.old.lock.yaml" in message
    with pytest.raises(WorldMismatch, match="written outside the sandbox, this run is in it"):
        check_world(recorded, world_from_env({}, ["tiktok"], sandbox=True), lock_path)
    with pytest.raises(WorldMismatch, match="advertiser 7001"):
        check_world(
            recorded, world_from_env({**REAL, "TIKTOK_ADVERTISER_ID": "8002"}, ["tiktok"], sandbox=False), lock_path
        )


def test_the_same_world_passes_and_gains_new_providers(tmp_path: Path) -> None:
    recorded = world_from_env(REAL, ["tiktok"], sandbox=False)
    assert check_world(None, recorded, tmp_path / "x.lock.yaml") == recorded
    both = check_world(recorded, world_from_env(REAL, ["tiktok", "heygen"], sandbox=False), tmp_path / "x.lock.yaml")
    assert set(both.providers) == {"tiktok", "heygen"}
    assert both.fingerprint() != recorded.fingerprint()


def test_paths_beside_the_spec() -> None:
    spec = Path("campaigns/demo.yaml")
    assert lock_path_for(spec) == Path("campaigns/demo.lock.yaml")
    assert lock_path_for(spec, sandbox=True) == Path("campaigns/demo.sandbox.lock.yaml")
    assert lock_path_for(Path("x.yml"), sandbox=True) == Path("x.sandbox.lock.yaml")
    assert state_dir_for(spec) == Path("campaigns/.campaign")


def test_a_registered_campaign_provider_is_located_by_its_entry_and_others_are_left_out() -> None:
    spec = ProviderSpec(
        "acme",
        "Acme",
        "ACME_API_BASE_URL",
        "https://api.acme.test/v2",
        (Credential("ACME_KEY"), Credential("ACME_ACCOUNT", secret=False, required=False, world=True)),
        "runner.providers.zego:ZegoClient",
    )
    register_provider(spec)
    try:
        world = world_from_env({"ACME_ACCOUNT": " 42 ", "ACME_KEY": "k-1"}, ["acme", "zego", "nobody"], sandbox=False)
    finally:
        unregister_provider("acme")
    assert world == World(sandbox=False, providers={"acme": Endpoint("api.acme.test", "42")})


def test_one_host_has_one_spelling_and_another_route_is_another_world(tmp_path: Path) -> None:
    lock_path = tmp_path / "boots.lock.yaml"
    local = world_from_env({"TIKTOK_API_BASE_URL": "http://127.0.0.1:8765/open_api/v1.3"}, ["tiktok"], sandbox=False)
    for url in ("http://localhost:8765/open_api/v1.3/", "http://LocalHost.:8765/open_api/v1.3", "http://[::1]:8765/x"):
        spelled = world_from_env({"TIKTOK_API_BASE_URL": url}, ["tiktok"], sandbox=False)
        assert spelled == local and check_world(local, spelled, lock_path) == local
    default = world_from_env({}, ["tiktok"], sandbox=False)
    explicit = {"TIKTOK_API_BASE_URL": "https://Business-API.tiktok.com.:443/open_api/v1.3/"}
    assert world_from_env(explicit, ["tiktok"], sandbox=False) == default
    written_before = World(sandbox=False, providers={"tiktok": Endpoint("business-api.tiktok.com:443")})
    assert check_world(written_before, default, lock_path) == written_before  # an older lockfile's spelling
    proxy = world_from_env({"TIKTOK_API_BASE_URL": "https://proxy.internal/tiktok"}, ["tiktok"], sandbox=False)
    with pytest.raises(WorldMismatch, match="proxy.internal"):
        check_world(default, proxy, lock_path)
    with pytest.raises(WorldMismatch, match="advertiser 7001"):  # set on one runner only: not the same account
        check_world(default, world_from_env({"TIKTOK_ADVERTISER_ID": "7001"}, ["tiktok"], sandbox=False), lock_path)
