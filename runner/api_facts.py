"""The providers' documented limits, return codes and rates that validation, the clients and the drivers read.

A provider's base URL and script length live in its registry entry (runner/vocabulary/providers.py), a
kind's processing time in its entry (runner/vocabulary/kinds.py), the campaign file's enums in its schema.
"""

from __future__ import annotations

import re

# --- TikTok Digital Avatar API -------------------------------------------------------
MAX_PACKAGES_PER_CREATE = 5
MAX_TASK_IDS_PER_GET = 5
VIDEO_NAME_MAX_CHARS = 50
RENAME_MIN_CHARS = 1
RENAME_MAX_CHARS = 100
PAGE_SIZE_MAX = 100
PREVIEW_URL_TTL_SECONDS = 6 * 3600

# --- TikTok Refresh Ads API ----------------------------------------------------------
PRODUCT_DESCRIPTION_MAX_CHARS = 3000
# The documented combinations, order-insensitive.
REFRESH_STRATEGY_COMBINATIONS = (
    frozenset({"ADD_HOOK"}),
    frozenset({"SWAP_MUSIC"}),
    frozenset({"ADD_HOOK", "SWAP_MUSIC"}),
)
RECOMMENDED_HOOK_VIDEOS = 4  # one each of EMOTIONAL, COMMENT, BILLO, TEXT_TO_VIDEO
UPLOAD_TIMEOUT_SECONDS = 10.0
# A video fed to a refresh task: "Duration: must be between 2 and 180 seconds", "Within 70 MB"
# (decimal MB, the stricter reading).
REFRESH_INPUT_MIN_SECONDS = 2.0
REFRESH_INPUT_MAX_SECONDS = 180.0
REFRESH_INPUT_MAX_BYTES = 70_000_000

# --- Rate limits (per developer app) ---------------------------------------------------
TIKTOK_APP_QPS = 10  # global default tier; configurable
REFRESH_CREATE_QPS = 1
REFRESH_CREATE_QPM = 5
ZEGO_QPS = 10

# --- TikTok return codes (DESIGN.md) ---------------------------------------------------
RATE_LIMIT_CODES = frozenset({40100, 40016, 40133, 61000})
TRANSIENT_CODES = frozenset({40200, 40201, 40202, 40700, 50000, 50002, 60001} | set(range(51000, 51100)))
AUTH_CODES = {40104: "token missing", 40105: "token invalid", 40102: "token expired"}
# A refusal of an avatar create names the package at fault by its position in `material_packages`
# ("material_packages[3].avatar_id: no available digital avatar with id ...").
PACKAGE_POSITION = re.compile(r"material_packages\[(\d+)\]\.?")


def named_package(message: str) -> int | None:
    """The position of the package a refusal of an avatar create names, if it names one."""
    found = PACKAGE_POSITION.search(message)
    return int(found.group(1)) if found else None


def without_package_position(message: str) -> str:
    """A refusal's words about one package, without its position in the batch it was sent in."""
    return PACKAGE_POSITION.sub("", message)


# --- HeyGen ------------------------------------------------------------------------------
HEYGEN_PAGE_LIMIT_MIN = 1
HEYGEN_PAGE_LIMIT_MAX = 50
HEYGEN_PAGE_LIMIT_DEFAULT = 20
# The Idempotency-Key window and the renders in progress at once are in HeyGen's provider entry, the render
# time in the heygen_video kind's (runner/vocabulary/).

# --- ZEGO ----------------------------------------------------------------------------------
ZEGO_LIMIT_MIN = 1
ZEGO_LIMIT_MAX = 20
ZEGO_OFFSET_MAX = 1_000_000
ZEGO_SIGNATURE_WINDOW_SECONDS = 600

# --- Processing times ------------------------------------------------------------------------


def avatar_processing_bound(script_chars: int) -> float:
    """The documented upper bound on an avatar video's processing time for a script length."""
    if script_chars <= 400:
        return 100.0
    if script_chars <= 1000:
        return 200.0
    return 500.0


# --- HeyGen and ZEGO: sandbox-enforced and return-code facts ----------------------------------
HEYGEN_QPS = 10  # undocumented; the sandbox enforces it per API key (429 + Retry-After)
HEYGEN_DEFAULT_ASPECT_RATIO = "16:9"  # used when a create omits aspect_ratio
ZEGO_CODE_OK = 0
ZEGO_CODE_SIGNATURE_EXPIRED = 100000004  # regenerate the signature (timestamp) and retry
ZEGO_CODE_SIGNATURE_ERROR = 100000005
ZEGO_CODE_INTERNAL_ERROR = 100000015  # gateway error: transient
ZEGO_CODE_INVALID_INPUT = 400000001
ZEGO_CODE_RATE_LIMITED = 7  # not in the digital-human docs; ZEGO's common "too many requests per second"
# ZEGO's common gateway codes (shared by all ZEGO server APIs)
ZEGO_COMMON_CODES = {
    100000001: "AppId field format error",
    100000002: "Timestamp field is empty",
    100000003: "Timestamp field format error",
    100000004: "signature expired",
    100000005: "signature error",
    100000006: "Action is empty",
    100000007: "unsupported Action",
    100000008: "SignatureNonce field is empty",
    100000009: "Signature field is empty",
    100000010: "failed to get ServerSecret (check the AppId)",
    100000012: "failed to read the HTTP body",
    100000013: "SignatureVersion field is empty",
    100000014: "unsupported SignatureVersion (only 2.0)",
    100000015: "internal gateway error",
}

# --- HeyGen digital twins ---------------------------------------------------------------------------
# The docs give no size limit for training footage sent as base64. 2 GiB keeps a request within what
# HTTP front ends commonly accept once base64 grows it by a third; the tool refuses larger files up front.
HEYGEN_FOOTAGE_MAX_BYTES = 2 * 1024**3
HEYGEN_FOOTAGE_MEDIA_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}
# The docs name the consent values "pending" and (by the flow) "approved" only. Any other value is
# taken as a refusal (assumption: the sandbox answers "rejected").
HEYGEN_CONSENT_PENDING = ("pending", None)
HEYGEN_CONSENT_APPROVED = "approved"
# Group `status` values from the docs: processing (training), pending_consent, completed, failed.
HEYGEN_TWIN_READY = "completed"
HEYGEN_TWIN_FAILED = "failed"
HEYGEN_TWIN_NAME_MAX_CHARS = 50  # undocumented; the same bound as video names, `~tag` included
HEYGEN_CONSENT_POLL_SECONDS = 10.0  # --wait-consent looks at the group this often (a person is deciding)
