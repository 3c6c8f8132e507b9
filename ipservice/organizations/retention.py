"""Retention of rejected organization claims (``[retention] rejected_claims_days``): the claim — the
claimant's name, e-mail, telephone and password hash — and its licence scan go; each is audited by the
retention run (``privacy.retention``)."""
from __future__ import annotations

from sqlalchemy import delete, select

from ipservice.core import attachments
from ipservice.extensions import db
from ipservice.organizations.models import OrganizationClaim as Claim
from ipservice.organizations.services import LICENCE


def rejected_claims(cutoff, dry_run: bool) -> list[dict]:
    ids = list(db.session.scalars(select(Claim.id).where(Claim.status == "rejected",
                                                         Claim.decided_at < cutoff)))
    if ids and not dry_run:
        for att in db.session.scalars(select(attachments.Attachment).where(
                attachments.Attachment.owner_type == LICENCE, attachments.Attachment.owner_id.in_(ids))):
            attachments.delete(att)
        db.session.flush()
        db.session.execute(delete(Claim).where(Claim.id.in_(ids)).execution_options(synchronize_session=False))
    return [{"rule": "rejected_claims", "object_type": LICENCE, "object_id": i} for i in ids]
