"""HeyGen emulator: avatar groups and looks, digital-twin creation and the consent flow."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from runner.paths import package_text
from runner.sandbox.heygen_zego_common import EmulatorHooks

TRAINING_SECONDS = 600.0  # undocumented: how long a digital twin trains once consent is approved
CONSENT_REFUSED = "rejected"  # sandbox choice: the docs name only "pending" and "approved"
CREATE_TYPES = ("digital_twin",)
OTHER_CREATE_TYPES = ("photo_avatar", "prompt")


class HeyGenError(Exception):
    """An API error reply: HTTP status, `error.code`, `error.message` and, for a bad field, `error.param`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.param = param


def load_public_catalog() -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The seeded public groups and looks, by id, in catalog order."""
    data = json.loads(package_text("sandbox", "data", "heygen_catalog.json"))
    groups = {g["id"]: {**g, "ownership": "public"} for g in data["groups"]}
    looks = {lk["id"]: lk for lk in data["looks"]}
    return groups, looks


class Catalog:
    """Groups and looks: the seeded public ones plus the account's private ones (persisted)."""

    def __init__(self, hooks: EmulatorHooks, state: dict[str, Any]) -> None:
        self._hooks = hooks
        self._state = state
        state.setdefault("groups", {})
        state.setdefault("looks", {})
        state.setdefault("consents", {})
        self._public_groups, self._public_looks = load_public_catalog()

    # --- reading -------------------------------------------------------------------
    def groups(self, ownership: str | None) -> list[dict[str, Any]]:
        """Groups in listing order (public first, then private by creation)."""
        out: list[dict[str, Any]] = []
        if ownership in (None, "public"):
            out.extend(self._public_groups.values())
        if ownership in (None, "private"):
            out.extend(self._state["groups"].values())
        return [self.group_view(g) for g in out]

    def group(self, group_id: str) -> dict[str, Any]:
        """One group as the API shows it, or a 404."""
        return self.group_view(self._raw_group(group_id))

    def looks(self, group_id: str | None) -> list[dict[str, Any]]:
        """Looks in listing order, optionally of one group (404 when the group is unknown)."""
        if group_id is not None:
            self._raw_group(group_id)
        everything = [*self._public_looks.values(), *self._state["looks"].values()]
        return [dict(lk) for lk in everything if group_id is None or lk["group_id"] == group_id]

    def look(self, look_id: str) -> dict[str, Any] | None:
        """A look by id, or None."""
        found = self._public_looks.get(look_id) or self._state["looks"].get(look_id)
        return dict(found) if found is not None else None

    def look_usable(self, look: Mapping[str, Any]) -> bool:
        """Whether a look may be rendered: public, or of a group whose consent is approved and training done."""
        group = self._raw_group(str(look["group_id"]))
        return group["ownership"] == "public" or self._status(group) == "completed"

    def _status(self, group: Mapping[str, Any]) -> str | None:
        """A private group's status: pending_consent, training, completed, failed or consent_rejected."""
        trained_at = group.get("trained_at")
        if group.get("consent_status") != "approved" or trained_at is None:
            status: str | None = group.get("status")
            return status
        if self._hooks.clock.time() < trained_at:
            return "training"
        return "failed" if group.get("training_fails") else "completed"

    def group_view(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The API's view of a group (looks_count computed; status only for private groups)."""
        view = {k: v for k, v in group.items() if k not in ("ownership", "status")}
        view["looks_count"] = sum(
            1 for lk in [*self._public_looks.values(), *self._state["looks"].values()] if lk["group_id"] == group["id"]
        )
        view.setdefault("consent_status", None)
        view.pop("trained_at", None)
        view.pop("training_fails", None)
        if group["ownership"] == "private":
            view["status"] = self._status(group)
            if view["status"] == "failed":
                view["error"] = {
                    "code": "training_failed",
                    "message": "the footage could not be used to train the avatar",
                }
        return view

    def _raw_group(self, group_id: str) -> dict[str, Any]:
        group = self._public_groups.get(group_id) or self._state["groups"].get(group_id)
        if group is None:
            raise HeyGenError(404, "not_found", f"avatar group {group_id!r} not found")
        result: dict[str, Any] = group
        return result

    # --- writing -----------------------------------------------------------------------
    def create_digital_twin(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST /v3/avatars: a new private look (and group unless avatar_group_id is given)."""
        kind = body.get("type")
        if kind in OTHER_CREATE_TYPES:
            raise HeyGenError(
                400, "invalid_parameter", f"type {kind!r} is not supported by the sandbox; use digital_twin"
            )
        if kind not in CREATE_TYPES:
            raise HeyGenError(400, "invalid_parameter", "type is required and must be 'digital_twin'")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise HeyGenError(400, "invalid_parameter", "name is required")
        _check_file(body.get("file"))
        now = int(self._hooks.clock.time())
        group_id = body.get("avatar_group_id")
        if group_id is not None:
            if not isinstance(group_id, str):
                raise HeyGenError(400, "invalid_parameter", "avatar_group_id must be a string")
            group = self._raw_group(group_id)
            if group["ownership"] != "private":
                raise HeyGenError(403, "forbidden", f"avatar group {group_id!r} is not yours")
        else:
            group = {
                "id": "group_" + self._hex(16),
                "name": name,
                "gender": None,
                "preview_image_url": None,
                "preview_video_url": None,
                "default_voice_id": None,
                "consent_status": None,
                "status": "pending_consent",
                "created_at": now,
                "ownership": "private",
            }
            self._state["groups"][group["id"]] = group
        look = {
            "id": "look_" + self._hex(16),
            "name": name,
            "avatar_type": "digital_twin",
            "group_id": group["id"],
            "preview_image_url": None,
            "supported_api_engines": ["avatar_4_quality", "avatar_4_turbo"],
            "tags": [],
        }
        self._state["looks"][look["id"]] = look
        view = self.group_view(group)
        view.pop("status", None)
        for key in ("gender", "preview_image_url", "preview_video_url", "default_voice_id"):
            view.pop(key, None)
        return {"avatar_item": dict(look), "avatar_group": view}

    def start_consent(self, group_id: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        """POST /v3/avatars/{group_id}/consent: returns the group view and a new consent token."""
        group = self._raw_group(group_id)
        if group["ownership"] != "private":
            raise HeyGenError(400, "invalid_parameter", "consent is only needed for your own digital twins")
        reroute = body.get("reroute_url")
        if reroute is not None and not (isinstance(reroute, str) and reroute.startswith(("http://", "https://"))):
            raise HeyGenError(400, "invalid_parameter", "reroute_url must be an http(s) URL")
        if group.get("consent_status") != "approved":
            group["consent_status"] = "pending"
            group["status"] = "pending_consent"
        token = self._hex(24)
        self._state["consents"][token] = {"group_id": group_id, "reroute_url": reroute}
        return self.group_view(group), token

    def consent_record(self, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The consent link's record and its group, or a 404."""
        record = self._state["consents"].get(token)
        if record is None:
            raise HeyGenError(404, "not_found", "unknown consent link")
        return record, self._raw_group(record["group_id"])

    def decide_consent(self, token: str, approve: bool) -> str | None:
        """The subject approves or refuses on the consent page; return the reroute URL (None when not set).

        Approval starts training (TRAINING_SECONDS at the sandbox's speed and spread); a link is used once.
        """
        record, group = self.consent_record(token)
        if record.get("decision") is not None:
            raise HeyGenError(410, "consent_link_used", f"this consent link was already used ({record['decision']})")
        record["decision"] = "approved" if approve else CONSENT_REFUSED
        if approve:
            group["consent_status"] = "approved"
            group["trained_at"] = self._hooks.clock.time() + self._hooks.processing_seconds(TRAINING_SECONDS)
            rate = self._hooks.config.twin_training_failure_rate
            group["training_fails"] = bool(rate) and self._hooks.chance(rate)
            self._hooks.will_be_ready(group["trained_at"])
        else:
            group["consent_status"] = CONSENT_REFUSED
            group["status"] = "consent_rejected"
        reroute: str | None = record.get("reroute_url")
        return reroute

    def _hex(self, nbytes: int) -> str:
        return f"{self._hooks.rng.getrandbits(nbytes * 4):0{nbytes}x}"


def _check_file(file: Any) -> None:
    if not isinstance(file, dict):
        raise HeyGenError(400, "invalid_parameter", "file is required: {type: url|asset_id|base64, ...}")
    kind = file.get("type")
    if kind == "url":
        url = file.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise HeyGenError(400, "invalid_parameter", "file.url must be an http(s) URL")
    elif kind == "asset_id":
        if not isinstance(file.get("asset_id"), str) or not file["asset_id"]:
            raise HeyGenError(400, "invalid_parameter", "file.asset_id is required")
    elif kind == "base64":
        media_type = file.get("media_type")
        if not isinstance(media_type, str) or not media_type.startswith("video/"):
            raise HeyGenError(400, "invalid_parameter", "file.media_type must be a video type, e.g. video/mp4")
        data = file.get("data")
        try:
            if not isinstance(data, str) or not base64.b64decode(data, validate=True):
                raise ValueError
        except (ValueError, binascii.Error):
            raise HeyGenError(400, "invalid_parameter", "file.data must be non-empty base64") from None
    else:
        raise HeyGenError(400, "invalid_parameter", "file.type must be one of url, asset_id, base64")
