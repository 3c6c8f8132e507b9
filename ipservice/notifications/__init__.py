"""站内信 and e-mail: the outbox rows written with each change someone must hear of (``events``), the
jobs that deliver them (``delivery``), the inbox (API and page) and each user's settings."""

ORDER = 95  # its place among the areas (navigation order): after the areas' own links


def init_app(app):
    from ipservice.core import hooks, jobs
    from ipservice.notifications import delivery, events, views

    hooks.audited(app, events.on_audit)
    hooks.personal_data(app, _personal_data)
    hooks.nav(app, views.nav_link)
    jobs.job(app, "notifications.email", delivery.email_job)
    jobs.periodic(app, "notifications.sweep", delivery.sweep_job, minutes=1, catch_up=True)
    # 08:00 in China is 00:00 UTC (Huey's schedules are in UTC)
    jobs.periodic(app, "notifications.digest", delivery.digest_job, hour="0", minute="0")


def _personal_data(user) -> dict:
    """The user's notifications, all of them, for the copy of their data (``GET /api/v1/me/data``)."""
    from ipservice.notifications import services, texts

    return {"notifications.json": [texts.as_dict(n) for n in services.inbox(user, limit=None)]}
