"""HeyGen v3 facts, as api-docs/heygen-*.md and DESIGN.md state them (sandbox choices are marked).

A few facts the summary in api-docs leaves out come from HeyGen's own reference, which the summary
names as its source: developers.heygen.com/reference/create-video (the current page, rendered from
`external-api.json`) and the OpenAPI document `codegen/external-api.json` of heygen-com/heygen-cli.
Each is marked "reference:" below.
"""

from __future__ import annotations

# --- POST /v3/videos: the avatar shape -----------------------------------------------------------
# "`type` is the constant `"avatar"` and is **required**"; the other documented shape, `image`, is not emulated
VIDEO_TYPE = "avatar"
# Every field the summary names for the avatar shape; `type` and `avatar_id` are required.
AVATAR_FIELDS = (  # sorted
    "aspect_ratio",
    "audio_asset_id",
    "audio_url",
    "avatar_id",
    "background",
    "callback_id",
    "callback_url",
    "caption",
    "engine",
    "output_format",
    "remove_background",
    "resolution",
    "script",
    "title",
    "type",
    "voice_id",
    "voice_settings",
)
# reference: fields of CreateVideoFromAvatar the summary does not name
REFERENCE_AVATAR_FIELDS = ("fit", "watermark", "motion_prompt", "expressiveness")
SCRIPT_MIN_CHARS = 1  # "`script` (1–5,000 characters)"
SCRIPT_MAX_CHARS = 5000
AUDIO_FIELDS = (
    "audio_url",
    "audio_asset_id",
)  # "Audio (`audio_url` / `audio_asset_id`) is the alternative to a script"
RESOLUTIONS = ("4k", "1080p", "720p")  # "`resolution` (`4k`, `1080p`, `720p`)"
ASPECT_RATIOS = ("16:9", "9:16", "4:5", "5:4", "1:1", "auto")  # "`aspect_ratio` (`16:9`, ... `auto`; default `16:9`)"
DEFAULT_ASPECT_RATIO = "16:9"
OUTPUT_FORMATS = ("mp4", "webm")  # "`output_format` (`mp4` default, `webm`)"
ENGINES = ("avatar_iv", "avatar_v")  # "`engine` (`avatar_iv` default, `avatar_v`)"; reference: sent as {"type": ...}
VOICE_SPEED = (0.5, 1.5)  # "`voice_settings` (speed 0.5–1.5, pitch −50…50, locale)"
VOICE_PITCH = (-50.0, 50.0)
FIT_MODES = ("contain", "cover")  # reference: `fit`, "How the subject is fitted to the output canvas"
EXPRESSIVENESS_LEVELS = ("high", "medium", "low")  # reference: `expressiveness` (Expressiveness enum)
BACKGROUND_TYPES = ("color", "image")  # reference: BackgroundSetting `type`
CREATE_STATUS = "waiting"  # reference: CreateAvatarVideoResponse `status` example; not a GET status

# --- GET /v3/videos/{video_id} and GET /v3/videos ---------------------------------------------------
VIDEO_STATUSES = ("pending", "processing", "completed", "failed")  # GET /v3/videos/{video_id} `status`
FAILURE_CODE = "rendering_failed"  # reference: VideoDetail `failure_code` example
VIDEO_LIST_LIMIT_MIN = 1  # "`limit` 1–100 (default 10)"
VIDEO_LIST_LIMIT_MAX = 100
VIDEO_LIST_LIMIT_DEFAULT = 10

# --- errors: `{"error": {"code", "message", "param"?, "doc_url"?}}` ----------------------------------
NOT_FOUND = "not_found"  # "Unknown id: 404 `not_found`"
RATE_LIMITED = "rate_limit_exceeded"  # "429 (`rate_limit_exceeded`) carries `Retry-After`"
REQUEST_IN_PROGRESS = "request_in_progress"  # "a repeat while the first is still being processed gets 409"

# --- Idempotency-Key: "1–255 of `[A-Za-z0-9_:.-]`", replayed "within 24 hours" ----------------------
IDEMPOTENCY_KEY_MIN_CHARS = 1
IDEMPOTENCY_KEY_MAX_CHARS = 255
IDEMPOTENCY_KEY_CHARACTERS = "A-Za-z0-9_:.-"  # a regex character class
IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600

# --- listing avatar groups (and, a sandbox choice, looks): "Results per page (1–50)", default 20 ----
PAGE_LIMIT_MIN = 1
PAGE_LIMIT_MAX = 50
PAGE_LIMIT_DEFAULT = 20

# --- limits ----------------------------------------------------------------------------------------
MAX_RENDERS_IN_PROGRESS = 10  # "Pay-as-you-go: at most 10 generation jobs in progress at once"
# "Renders typically take 5–15 minutes, longer at peak."
RENDER_TYPICAL_MINUTES = (5, 15)
# Sandbox choice, kept below the documented 5-15 minutes: every suite that renders in the sandbox is timed
# by this bound (the client paces its polls by what it sees, so it finds a render this fast in time).
RENDER_SECONDS = 120.0
QPS = 10  # sandbox choice: "No per-second request rate is documented for v3"; 429 + Retry-After beyond it
