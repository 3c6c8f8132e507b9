"""大批量导出 — an export of more rows than a request should hold (``EXPORT_JOB_ROWS``, 10 000 by default) is
built by a job: the requester gets 202 with the job's address, a notification when the file is ready, and
downloads it from ``/t/<tenant>/exports`` (the page) or the API. Smaller exports stay immediate."""

ORDER = 97


def init_app(app):
    from ipservice.core import exports, hooks, jobs
    from ipservice.exporting import services, views

    exports.deferral(app, services.defer_if_large)
    jobs.job(app, "exports.build", services.build_job)
    hooks.nav(app, views.nav_link)
