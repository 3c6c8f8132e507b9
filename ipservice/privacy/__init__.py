"""Personal information as PIPL requires: the tenant's notice and the version each user accepted, a copy of
one's data, correction, erasure on request decided by the bureau, retention by rule, the record of who
looked, masking in exports (the shared part — personal fields, access record, masking — is
``core.privacy``)."""

ORDER = 95  # its place among the areas (navigation order)


def init_app(app):
    from ipservice.core import hooks, labels
    from ipservice.privacy import cli, models, views

    labels.register_statuses(app, models.STATUS_LABELS)  # an erasure request's, for status_label
    hooks.command(app, cli.retention_group)
    hooks.nav(app, views.nav)
    hooks.work(app, views.work)
    hooks.login_step(app, views.consent_step)
