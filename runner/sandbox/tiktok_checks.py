"""The TikTok emulator's checks of request bodies, each against the docs' stated limits and enums."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from runner.sandbox.docs_facts import tiktok as facts
from runner.sandbox.docs_facts.tiktok import BAD_PARAM
from runner.sandbox.docs_facts.tiktok_script import unreadable_characters
from runner.sandbox.tiktok_common import ApiError, required_str


def check_packages(packages: Any) -> list[dict[str, Any]]:
    """The `material_packages` of an avatar-video create: 1-5 packages, each well formed (whether its avatar is
    available is the package's own outcome, reported in the reply's list)."""
    if not isinstance(packages, list) or not packages:
        raise ApiError(
            BAD_PARAM, f"material_packages: this field is required (1-{facts.MAX_PACKAGES_PER_CREATE} packages)"
        )
    if len(packages) > facts.MAX_PACKAGES_PER_CREATE:
        raise ApiError(
            BAD_PARAM, f"material_packages: max size is {facts.MAX_PACKAGES_PER_CREATE}, got {len(packages)}"
        )
    for i, package in enumerate(packages):
        if not isinstance(package, dict):
            raise ApiError(BAD_PARAM, f"material_packages[{i}]: must be an object")
        _check_package(package, f"material_packages[{i}].")
    return packages


def unavailable_avatar(package: Mapping[str, Any], avatar_ids: Collection[str]) -> str | None:
    """The `error_msg` of a well-formed package whose avatar the account cannot use (unknown or retired)."""
    avatar_id = package["avatar_id"]
    return None if avatar_id in avatar_ids else f"avatar_id: no available digital avatar with id {avatar_id}"


def _check_package(package: Mapping[str, Any], where: str) -> None:
    required_str(package, "avatar_id", where)
    script = required_str(package, "script", where)
    if len(script) > facts.SCRIPT_MAX_CHARS:
        raise ApiError(
            BAD_PARAM, f"{where}script: length limit is {facts.SCRIPT_MAX_CHARS} characters, got {len(script)}"
        )
    bad = unreadable_characters(script)
    if bad:
        raise ApiError(
            BAD_PARAM, f"{where}script: emojis and special characters are not supported ({''.join(bad[:3])})"
        )
    name = package.get("video_name")
    if name is not None and (not isinstance(name, str) or len(name) > facts.VIDEO_NAME_MAX_CHARS):
        raise ApiError(BAD_PARAM, f"{where}video_name: length limit is {facts.VIDEO_NAME_MAX_CHARS} characters")
    if package.get("package_id") is not None and not isinstance(package["package_id"], str):
        raise ApiError(BAD_PARAM, f"{where}package_id: must be a string")


def check_strategies(strategies: Any) -> list[str]:
    """`video_refresh_strategy_list`: one of the documented combinations, each strategy once."""
    if not isinstance(strategies, list) or not strategies:
        raise ApiError(BAD_PARAM, "video_refresh_strategy_list: this field is required")
    if (
        any(s not in facts.REFRESH_STRATEGIES for s in strategies)
        or len(set(strategies)) != len(strategies)
        or frozenset(strategies) not in facts.REFRESH_STRATEGY_COMBINATIONS
    ):
        raise ApiError(BAD_PARAM, f"video_refresh_strategy_list: {strategies} is not a supported combination")
    return strategies


def check_hook(hook: Any) -> None:
    """`add_hook`, required when the strategies include ADD_HOOK."""
    if not isinstance(hook, dict):
        raise ApiError(BAD_PARAM, "add_hook: required when video_refresh_strategy_list includes ADD_HOOK")
    if hook.get("hook_type") not in facts.HOOK_TYPES:
        raise ApiError(BAD_PARAM, f"add_hook.hook_type: must be one of {', '.join(facts.HOOK_TYPES)}")
    if hook.get("product_category") is None:
        raise ApiError(
            BAD_PARAM, "add_hook.product_category: required when video_refresh_strategy_list includes ADD_HOOK"
        )
    if hook["product_category"] not in facts.PRODUCT_CATEGORIES:
        raise ApiError(BAD_PARAM, f"add_hook.product_category: unknown value {hook['product_category']}")
    description = hook.get("product_description")
    if description is not None and (
        not isinstance(description, str) or len(description) > facts.PRODUCT_DESCRIPTION_MAX_CHARS
    ):
        raise ApiError(
            BAD_PARAM, f"add_hook.product_description: length limit is {facts.PRODUCT_DESCRIPTION_MAX_CHARS} characters"
        )
    theme = hook.get("holiday_theme")
    if hook["hook_type"] == facts.HOLIDAY_HOOK_TYPE and theme is None:
        raise ApiError(BAD_PARAM, "add_hook.holiday_theme: required when hook_type is HOLIDAY")
    if theme is not None and theme not in facts.HOLIDAY_THEMES:
        raise ApiError(BAD_PARAM, f"add_hook.holiday_theme: unknown value {theme}")
