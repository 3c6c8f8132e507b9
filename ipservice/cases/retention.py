"""Retention of closed cases' free text (``[retention] closed_case_text_days``): the summary and request
are replaced; the case, its dates, outcome and history stay, so the statistics do not change.

The same rule keeps that text until then: a case still being worked (submitted or accepted, not yet closed)
keeps it until it closes and the period has run, a closed case until the period runs out (a period of 0:
kept). An erasure of the applicant's data leaves it and says so (``closed_case_text_held``); a declined or
withdrawn case's text no rule keeps."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from ipservice.cases.models import Case
from ipservice.core.privacy import Held
from ipservice.core.types import CHINA, utcnow
from ipservice.extensions import db

REMOVED = "已按保存期限删除"


def closed_case_text(cutoff, dry_run: bool) -> list[dict]:
    ids = list(db.session.scalars(select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff,
                                                        Case.summary != REMOVED)))
    if ids and not dry_run:
        db.session.execute(update(Case).where(Case.id.in_(ids)).values(summary=REMOVED, request=REMOVED)
                           .execution_options(synchronize_session=False))
    return [{"rule": "closed_case_text", "object_type": "case", "object_id": i} for i in ids]


KEPT_UNTIL_CLOSED = ("submitted", "accepted", "in_progress", "mediated", "resolved")


def closed_case_text_held(user_id, enterprise_id, days: int) -> list[Held]:
    """The summary and request of the organization's cases this rule still keeps."""
    if enterprise_id is None:
        return []
    held = []
    for case in db.session.execute(select(Case.id, Case.number, Case.status, Case.closed_at).where(
            Case.enterprise_id == enterprise_id, Case.summary != REMOVED,
            Case.status.in_(("closed", *KEPT_UNTIL_CLOSED))).order_by(Case.number)):
        until = None
        if case.status == "closed" and days:
            end = case.closed_at + dt.timedelta(days=days)
            if end <= utcnow():
                continue  # its period has run: the next retention run replaces it, and so may the erasure
            until = end.astimezone(CHINA).date()
        held.append(Held(Case, case.id, ("summary", "request"), until,
                         (f"案件 {case.number} 的案情和请求",
                          f"The summary and request of case {case.number}")))
    return held
