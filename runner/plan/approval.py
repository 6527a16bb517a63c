"""Which paid jobs need sign-off, from which roles, and whether the approvals file holds it for their content."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from runner.approvals.book import Book, Signature
from runner.approvals.status import ANYONE, Approval
from runner.campaignfile.model import Spec
from runner.errors import CampaignError
from runner.plan.budget import paid
from runner.plan.job import Job, canonical_json
from runner.plan.make import Planned
from runner.plan.model import Change
from runner.vocabulary import kinds


def content_digest(job: Job) -> str:
    """`sha256:<hex>` of what the provider is asked to make: what an approval approves."""
    text = canonical_json({"kind": job.kind, "provider": job.provider, "request": job.request})
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def group_of(address: str) -> str:
    """`videos.promo[avatar=a]` -> `promo`; an address outside any group (`avatars.x`) -> ""."""
    section, _, rest = address.partition(".")
    return rest.partition("[")[0] if section in ("videos", "refresh") else ""


def required_roles(spec: Spec, addresses: Iterable[str]) -> tuple[str, ...]:
    """The roles that must approve a job with these addresses (a group's rule replaces the top level's)."""
    roles: dict[str, None] = {}
    for address in addresses:
        group = group_of(address)
        rule = spec.approvals.get(group) if group in spec.approvals else spec.approvals.get("")
        if rule is not None and rule.required:
            roles.update(dict.fromkeys(rule.roles or (ANYONE,)))
    return tuple(roles)


def with_approvals(changes: Iterable[Change], spec: Spec, book: Book) -> list[Change]:
    """Each paid change of a job that needs sign-off, with what the approvals file says of it."""
    if not spec.approvals:
        return list(changes)
    out = []
    for change in changes:
        job = change.job
        roles = required_roles(spec, job.addresses) if job is not None and paid(change) else ()
        if job is not None and roles:
            change = change.with_approval(Approval(roles, book.signatures(job.key, content_digest(job))))
        out.append(change)
    return out


def split_awaiting(changes: Iterable[Change]) -> tuple[list[Change], tuple[Change, ...]]:
    """(what apply may make, what waits): changes whose approval is incomplete, and every change downstream."""
    changes = list(changes)
    waiting = {c.key for c in changes if c.approval is not None and not c.approval.approved}
    grew = bool(waiting)
    while grew:  # downstream of a waiting job: its input is not made yet
        before = len(waiting)
        waiting |= {c.key for c in changes if c.job is not None and waiting.intersection(c.job.depends_on)}
        grew = len(waiting) > before
    return [c for c in changes if c.key not in waiting], tuple(c for c in changes if c.key in waiting)


class ApprovalRefused(CampaignError):
    """`campaign approve` cannot do what was asked; nothing was written."""


@dataclass(frozen=True, slots=True)
class Signing:
    """Who signs, in which role (None: the only role the jobs need), with which note, at what time."""

    name: str
    role: str | None
    note: str
    at: str


def sign(
    planned: Planned, keys: Iterable[str], signing: Signing, findings: Mapping[str, str] | None = None
) -> tuple[Book, list[Job]]:
    """The approvals file with `signing` added to each named job that needs it; the jobs signed.

    `findings`: address -> a mandatory policy finding there; such a job cannot be approved.
    """
    jobs = _needing(planned, keys)
    flagged = [(a, findings[a]) for job in jobs for a in job.addresses if findings and a in findings]
    if flagged:
        address, finding = flagged[0]
        more = f" (and {len(flagged) - 1} more)" if len(flagged) > 1 else ""
        raise ApprovalRefused(
            f"{address}{more} has a mandatory policy finding: {finding}; fix the script (or the rule's level), "
            "then approve"
        )
    needed = [r for r in dict.fromkeys(r for job in jobs for r in required_roles(planned.spec, job.addresses)) if r]
    role = signing.role
    if role is None and needed:
        raise ApprovalRefused(
            f"these jobs await the roles {', '.join(needed)}; say which one you sign for with --role "
            f"(e.g. --role {needed[0]})"
        )
    if role is not None and needed and role not in needed:
        raise ApprovalRefused(f"--role {role}: the selected jobs need {', '.join(needed)}; sign for one of these")
    provisional = [job for job in jobs if job.provisional]
    if provisional:
        raise ApprovalRefused(
            f"{provisional[0].addresses[0]}: its avatar '{provisional[0].unresolved[0]}' is a name not resolved yet, so "
            "its content is not final; run `campaign apply` once (it resolves names and creates nothing unapproved) "
            "or give the avatar by id, then approve"
        )
    book, signed = planned.approvals, []
    signature = Signature(role or ANYONE, signing.name, signing.at, signing.note)
    for job in jobs:
        roles = required_roles(planned.spec, job.addresses)
        if signature.role in roles or ANYONE in roles:
            book = book.signed(job.key, content_digest(job), job.addresses, signature)
            signed.append(job)
    return book, signed


def revoke(planned: Planned, keys: Iterable[str], name: str, role: str | None) -> tuple[Book, int]:
    """The approvals file without `name`'s signatures of the named jobs; how many were removed."""
    book, removed = planned.approvals, 0
    for key in sorted(set(keys)):
        book, gone = book.revoked(key, name, role)
        removed += gone
    return book, removed


def _needing(planned: Planned, keys: Iterable[str]) -> list[Job]:
    """The named jobs that need sign-off, in the graph's order; ApprovalRefused when there are none."""
    named = set(keys)
    jobs = [
        job
        for key in planned.graph.order
        if key in named
        and not kinds.kind((job := planned.graph.jobs[key]).kind).free
        and required_roles(planned.spec, job.addresses)
    ]
    if not jobs:
        raise ApprovalRefused(
            "none of the selected jobs needs approval; set `approval: {required: true}` at the top of the campaign "
            "or on a group, or select other jobs with --target"
        )
    return jobs
