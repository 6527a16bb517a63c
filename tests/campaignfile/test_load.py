from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.campaignfile.load import load_spec
from runner.campaignfile.schema import CAMPAIGN_SCHEMA
from runner.campaignfile.templates import Renderer, RenderError, slug
from runner.commands.validate import command as validate
from runner.sandbox.docs_facts import tiktok as tiktok_docs

PROJECT_DIR = Path(__file__).resolve().parents[2]

EXAMPLES = sorted((PROJECT_DIR / "campaigns").glob("*.yaml"))


def test_examples_validate() -> None:
    assert len(EXAMPLES) >= 3
    result = CliRunner().invoke(validate, [str(p) for p in EXAMPLES])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("OK ") == len(EXAMPLES)


def test_lockfiles_beside_the_specs_are_checked_as_lockfiles(tmp_path: Path) -> None:
    good = tmp_path / "demo.lock.yaml"
    good.write_text('{"version": 1, "campaign": "demo", "jobs": {}}\n')
    bad = tmp_path / "other.lock.yaml"
    bad.write_text("version: 1\ncampaign: demo\njobs: [1]\n")
    spec = PROJECT_DIR / "campaigns" / "demo.yaml"
    result = CliRunner().invoke(validate, [str(spec), str(good), str(bad)])
    assert result.exit_code == 1
    assert f"OK {good}: lockfile of campaign 'demo' with 0 jobs" in result.stdout and f"OK {spec}:" in result.stdout
    assert str(bad) in result.stderr and "corrupt lockfile" in result.stderr


def test_spec_is_typed_and_immutable() -> None:
    spec = load_spec(PROJECT_DIR / "campaigns" / "winter-boots.yaml")
    assert spec.campaign == "winter-boots-2026"
    assert spec.avatars["tom"].name == "Tom in blue shirt" and spec.avatars["tom"].id is None
    assert spec.videos[0].matrix == (("product", ("Trail Boot", "City Boot")),)
    assert "Last winter" in spec.scripts["story"].source
    with pytest.raises(AttributeError):
        spec.campaign = "x"  # type: ignore[misc]


def test_schema_enums_match_the_emulators_reading_of_the_docs() -> None:
    defs = CAMPAIGN_SCHEMA["$defs"]
    hook = defs["refresh_group"]["properties"]["hook"]["properties"]
    assert tuple(hook["type"]["enum"]) == tiktok_docs.HOOK_TYPES
    assert tuple(hook["product_category"]["enum"]) == tiktok_docs.PRODUCT_CATEGORIES
    assert tuple(hook["holiday_themes"]["items"]["enum"]) == tiktok_docs.HOLIDAY_THEMES
    assert tuple(defs["refresh_group"]["properties"]["strategies"]["items"]["enum"]) == tiktok_docs.REFRESH_STRATEGIES


def test_every_schema_property_has_a_description() -> None:
    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                assert "description" in prop or "$ref" in prop, f"{path}.{name}"
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(CAMPAIGN_SCHEMA, "")


def test_slug() -> None:
    assert slug("City Boot!") == "city-boot"
    assert slug("Crème Brûlée  2") == "creme-brulee-2"


@pytest.mark.parametrize(
    "source",
    ["{{ cycler.__init__.__globals__ }}", "{{ x.__class__ }}", "{{ ''['__class__'] }}", "{{ x|attr('__class__') }}"],
)
def test_sandbox_refuses_private_attributes_at_render(source: str) -> None:
    with pytest.raises(RenderError):
        out = Renderer().render(source, {"x": "a"})
        # attr() on a private name is undefined in the sandbox; it must not leak the class
        assert "class" not in out
        raise RenderError(out)


def test_undefined_variable_suggests_a_name(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="did you mean 'product'"):
        Renderer().render("{{ produt }}", {"product": "Boot"})
