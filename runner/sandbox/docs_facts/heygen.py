"""HeyGen v3 facts, as api-docs/heygen-*.md and DESIGN.md state them (sandbox choices are marked)."""

from __future__ import annotations

# --- POST /v3/videos -----------------------------------------------------------------------------
# "`type` is the constant `"avatar"` and is **required**": heygen_videos refuses a wrong one; an absent
# one too once the client sends it
VIDEO_TYPE = "avatar"
SCRIPT_MIN_CHARS = 1  # "`script` (1–5,000 characters)"
SCRIPT_MAX_CHARS = 5000
ASPECT_RATIOS = ("16:9", "9:16", "4:5", "5:4", "1:1", "auto")  # "`aspect_ratio` (`16:9`, ... `auto`; default `16:9`)"
DEFAULT_ASPECT_RATIO = "16:9"
VIDEO_STATUSES = ("pending", "processing", "completed", "failed")  # GET /v3/videos/{video_id} `status`

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
# Sandbox choice, kept below the documented 5-15 minutes: the client's scheduler still paces its polls
# against 2 minutes, and every suite that renders in the sandbox is timed by this bound.
RENDER_SECONDS = 120.0
QPS = 10  # sandbox choice: "No per-second request rate is documented for v3"; 429 + Retry-After beyond it
