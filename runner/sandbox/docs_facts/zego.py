"""ZEGO GetDigitalHumanList facts, as api-docs/zego-digital-human-list.md and DESIGN.md state them."""

from __future__ import annotations

ACTION = "GetDigitalHumanList"  # "Request URL: ...?Action=GetDigitalHumanList"
QPS = 10  # "QPS limit: 10 times/second"
FETCH_MODES = (1, 2, 3)  # "1: Fetch all. 2: ... public ... 3: ... private"; "defaults to 1"
FETCH_MODE_DEFAULT = 1
OFFSET_MIN = 0  # "ranging from [0, 1000000]. If not specified, defaults to 0."
OFFSET_MAX = 1_000_000
OFFSET_DEFAULT = 0
LIMIT_MIN = 1  # "Ranges from [1, 20]. If not specified, defaults to 20."
LIMIT_MAX = 20
LIMIT_DEFAULT = 20

# --- signature (DESIGN.md): md5(AppId + SignatureNonce + ServerSecret + Timestamp), hex -----------
SIGNATURE_VERSION = "2.0"
# ZEGO's common-parameters page (not in api-docs): a Timestamp more than 10 minutes off has expired.
SIGNATURE_WINDOW_SECONDS = 600

# --- return codes: "0 indicates success" (the page); the rest from ZEGO's common return codes ---------
CODE_OK = 0
CODE_RATE_LIMITED = 7  # not in the digital-human docs: ZEGO's common "too many requests per second"
CODE_INVALID_INPUT = 400000001
CODE_SIGNATURE_EXPIRED = 100000004
CODE_SIGNATURE_ERROR = 100000005
CODE_INTERNAL_ERROR = 100000015  # gateway error: transient
COMMON_CODES = {
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
