"""Organization identity: who may act for a registered USCC. A second registrant of a USCC claims the
organization with its business licence; the bureau approves (the claimant, proving the e-mail with the
approval's code, becomes the organization's user) or rejects with a reason; until the bureau has verified an
organization, its filings are marked "unverified" on the bureau's pages."""

ORDER = 85  # its place among the areas (navigation order)


def init_app(app):
    """The bureau's link to the organizations of its tenant."""
    from ipservice.core import hooks, labels
    from ipservice.organizations import completion, models, views

    labels.register_statuses(app, models.STATUS_LABELS)  # a claim's, for status_label
    hooks.nav(app, views._nav)
    hooks.login_refusal(app, completion.login_state)
    from ipservice.core import jobs

    jobs.job(app, completion.CODE_JOB, completion.mail_code_job)
    _personal_data(app)


def _personal_data(app):
    """A claimant's details on the claims they made (erasure replaces them; the copy of one's data shows
    them)."""
    from sqlalchemy import select

    from ipservice.core import hooks, privacy
    from ipservice.extensions import db
    from ipservice.organizations.models import OrganizationClaim as Claim

    privacy.personal_fields(app, Claim, {"email": "email", "contact_name": "name", "contact_phone": "phone"},
                            lambda user_id, enterprise_id: Claim.claimant_id == user_id)

    def claims_of(user):
        rows = db.session.scalars(select(Claim).where(Claim.claimant_id == user.id))
        return {"claims.json": [{"id": c.id, "name": c.name, "uscc": c.uscc, "email": c.email,
                                 "contact_name": c.contact_name, "contact_phone": c.contact_phone,
                                 "status": c.status, "reason": c.reason,
                                 "created_at": c.created_at.isoformat()}
                                for c in rows]}

    hooks.personal_data(app, claims_of)
    from ipservice.organizations import retention

    privacy.retention_rule(app, "rejected_claims_days", retention.rejected_claims)
