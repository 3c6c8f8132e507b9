"""Retention of closed cases' free text (``[retention] closed_case_text_days``): the summary and request
are replaced; the case, its dates, outcome and history stay, so the statistics do not change."""
from __future__ import annotations

from sqlalchemy import select, update

from ipservice.cases.models import Case
from ipservice.extensions import db

REMOVED = "已按保存期限删除"


def closed_case_text(cutoff, dry_run: bool) -> list[dict]:
    ids = list(db.session.scalars(select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff,
                                                        Case.summary != REMOVED)))
    if ids and not dry_run:
        db.session.execute(update(Case).where(Case.id.in_(ids)).values(summary=REMOVED, request=REMOVED)
                           .execution_options(synchronize_session=False))
    return [{"rule": "closed_case_text", "object_type": "case", "object_id": i} for i in ids]
