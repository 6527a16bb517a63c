"""The C2PA manifest of one downloaded video: `c2pa.created` by a trained model, and the job it was made for."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner import __version__

ASSERTION = "dev.campaign.job"
ACTIONS = "c2pa.actions"
SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What a signed video says about itself: the campaign's job, its script, its disclosure and checks."""

    campaign: str
    job_key: str
    addresses: tuple[str, ...]
    provider: str
    video_id: str
    spec_digest: str
    script: str
    disclosure_label: str | None
    policy: Mapping[str, Any] = field(default_factory=dict)
    consent: Mapping[str, Any] | None = None

    def assertion(self) -> dict[str, Any]:
        """The project's own assertion (never a secret: no URL of the consent flow, no credential)."""
        data: dict[str, Any] = {
            "campaign": self.campaign,
            "job_key": self.job_key,
            "addresses": list(self.addresses),
            "provider": self.provider,
            "video_id": self.video_id,
            "spec_digest": self.spec_digest,
            "script_sha256": hashlib.sha256(self.script.encode()).hexdigest(),
            "disclosure_label": self.disclosure_label,
            "policy": dict(self.policy),
        }
        if self.consent is not None:
            data["consent"] = dict(self.consent)
        return data


def manifest(facts: JobFacts, title: str) -> dict[str, Any]:
    """The manifest definition c2pa's Builder signs."""
    return {
        "claim_generator_info": [{"name": "campaign", "version": __version__}],
        "title": title,
        "format": "video/mp4",
        "assertions": [
            {
                "label": ACTIONS,
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": SOURCE_TYPE}]},
            },
            {"label": ASSERTION, "data": facts.assertion()},
        ],
    }
