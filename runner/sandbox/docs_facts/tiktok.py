"""TikTok Digital Avatar and Refresh Ads API facts, as the docs state them (sandbox choices are marked)."""

from __future__ import annotations

# --- return codes (DESIGN.md; the docs link an appendix they do not include) -----------------
OK = 0
TOKEN_MISSING = 40104
TOKEN_INVALID = 40105
TOKEN_EXPIRED = 40102
RATE_LIMITED = 40100  # one of the "too many requests" codes 40100 / 40016 / 40133 / 61000
SERVER_ERROR = 50000  # transient
SERVER_BUSY = 50002  # transient
BAD_PARAM = 40002  # TikTok's public appendix: invalid parameter (DESIGN.md: any other 4xxxx is permanent)
URL_UNREACHABLE = 40011  # sandbox choice: the video URL could not be fetched
URL_INVALID_MEDIA = 40012  # sandbox choice: the URL did not serve a video

# --- rate limits ---------------------------------------------------------------------------------
APP_QPS = 10  # sandbox choice: the docs name "global rate limits" but no number; the default tier
REFRESH_CREATE_QPS = 1  # "limit your calls to 1 QPS (query per second) and 5 QPM"
REFRESH_CREATE_QPM = 5

# --- paging: "page ... Default value: 1. Value range: >= 1", "page_size ... Default value: 10. Value range: 1-100"
PAGE_DEFAULT = 1
PAGE_MIN = 1
PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MIN = 1
PAGE_SIZE_MAX = 100

# --- Digital Avatar API ------------------------------------------------------------------------
MAX_PACKAGES_PER_CREATE = 5  # material_packages "Max size: 5."
# The create reply's `list` carries `package_id` and `error_msg` per package; when `error_msg` is set is not
# documented. Sandbox choice: a package whose avatar is not available makes no task and gets `error_msg`.
MAX_TASK_IDS_PER_GET = 5  # task_ids "Max size: 5." (avatar tasks and refresh tasks alike)
SCRIPT_MAX_CHARS = 2000  # "Length limit: 2,000 characters. Do not use emojis or special characters"
VIDEO_NAME_MAX_CHARS = 50  # video_name "Length limit: 50 characters."
RENAME_MIN_CHARS = 1  # file_name "Length limit: 1-100 characters. Duplicate names are allowed."
RENAME_MAX_CHARS = 100
PREVIEW_URL_TTL_SECONDS = 6 * 3600  # preview_url "Validity period: six hours."
TASK_STATUSES = ("SUBMITTED", "PROCESSING", "SUCCESS", "FAILED")
DEFAULT_NAME_TIME_FORMAT = "%Y%m%d%H%M%S"  # "project-{YYYYMMDDHHMMSS}-{three random characters}"
DEFAULT_NAME_RANDOM_CHARS = 3
AVATAR_VIDEO_NAME_PREFIX = "project"
# "within 400 characters ... less than 100 seconds", "within 1,000 characters ... less than 200 seconds",
# "exceeds 1,000 characters ... less than 500 seconds"
AVATAR_PROCESSING_BOUNDS = ((400, 100.0), (1000, 200.0))
AVATAR_PROCESSING_LONG_SECONDS = 500.0

# --- Refresh Ads API -------------------------------------------------------------------------------
UPLOAD_TYPES = ("UPLOAD_BY_URL",)
USE_SCENARIOS = ("AIGC",)
UPLOAD_TIMEOUT_SECONDS = 10.0  # "Request timeout for this interface is 10 seconds"
REFRESH_INPUT_MIN_SECONDS = 2.0  # "Duration: must be between 2 and 180 seconds."
REFRESH_INPUT_MAX_SECONDS = 180.0
REFRESH_PROCESSING_SECONDS = 60.0  # "usually within one minute"
AIGC_VIDEO_TYPES = ("REFRESH_VIDEO",)
REFRESH_VIDEO_NAME_PREFIX = "refresh_video"  # "(lower case){aigc_video_type}-{YYYYMMDDHHMMSS}-{three ...}"
REFRESH_STRATEGIES = ("ADD_HOOK", "SWAP_MUSIC")
REFRESH_STRATEGY_COMBINATIONS = (  # "The available combinations of strategies are:", order-insensitive
    frozenset({"ADD_HOOK"}),
    frozenset({"SWAP_MUSIC"}),
    frozenset({"ADD_HOOK", "SWAP_MUSIC"}),
)
HOOK_TYPES = ("EMOTIONAL", "COMMENT", "BILLO", "TEXT_TO_VIDEO", "RECOMMENDED", "HOLIDAY")
# "RECOMMENDED: ... Generate 4 videos, 1 video for each of the following hook types"
RECOMMENDED_HOOK_TYPES = ("EMOTIONAL", "COMMENT", "BILLO", "TEXT_TO_VIDEO")
PRODUCT_DESCRIPTION_MAX_CHARS = 3000  # "Length limit: 3,000 characters."
PRODUCT_CATEGORIES = (
    "AUTOMOTIVE",
    "CATERING_SERVICES",
    "CLOTHING_AND_ACCESSORIES",
    "CONSUMER_ELECTRONICS_AND_ELECTRIC_APPLIANCES",
    "CONSUMER_GOODS",
    "CONVENIENCE_SERVICES",
    "CULTURE_SPORTS_AND_ENTERTAINMENT",
    "EDUCATION_AND_TRAINING",
    "ELECTRONICS_AND_ELECTRICAL",
    "FOOD_AND_DRINKS",
    "GAMES",
    "HEALTHCARE_AND_PHARMACEUTICAL",
    "HOME_FURNISHING_MATERIALS",
    "INTERNET_FINANCE",
    "MEDIA_AND_CONTENT",
    "PROFESSIONAL_SERVICES",
    "PUBLIC_ADMINISTRATION",
    "RETAIL_AND_ECOMMERCE",
    "TELECOMMUNICATIONS",
    "TRADITIONAL_FINANCE",
    "TRAVEL",
    "UTILITY_SOFTWARE",
)
# The doc says holiday_theme is "Required when ... video_refresh_strategy_list includes HOLIDAY"; HOLIDAY
# is a hook type, not a strategy, so the emulator reads it as: required when hook_type is HOLIDAY.
HOLIDAY_HOOK_TYPE = "HOLIDAY"
HOLIDAY_THEMES = (
    "NEW_YEARS_DAY",
    "VALENTINES_DAY",
    "NATIONAL_PET_DAY",
    "EASTER",
    "MOTHERS_DAY",
    "PRIDE",
    "FATHERS_DAY",
    "GRANDPARENTS_DAY",
    "BACK_TO_SCHOOL",
    "HALLOWEEN",
    "SINGLES_DAY",
    "THANKSGIVING",
    "BLACK_FRIDAY",
    "SMALL_BUSINESS_SATURDAY",
    "CYBER_MONDAY",
    "CHRISTMAS_DAY",
    "BOXING_DAY",
)


def avatar_processing_bound(script_chars: int) -> float:
    """The documented upper bound, in seconds, on an avatar video's processing for a script of this length."""
    for most_chars, seconds in AVATAR_PROCESSING_BOUNDS:
        if script_chars <= most_chars:
            return seconds
    return AVATAR_PROCESSING_LONG_SECONDS
