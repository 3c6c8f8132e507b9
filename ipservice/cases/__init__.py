"""保护中心 / 维权援助 案件受理 — protection-center and rights-assistance cases: intake on the tenant's form,
gap-free numbering per tenant and year, the state machine with its history, time limits in working days of
the official calendar, the bureau's queue and exports, and the computed KPIs."""

ORDER = 80  # its place among the areas (navigation order)
LABEL = ("维权案件", "Protection-center case")


def init_app(app):
    """Register the case kind, its navigation and demo data (once per app)."""
    from ipservice import forms
    from ipservice.cases import calendar_cli, demo, kind, models, overview, schemas, views
    from ipservice.core import filing, hooks

    filing.register_kind(app, kind.declare())
    forms.register(app, "case", schemas.build_case_form)
    app.jinja_env.globals["case_type_label"] = models.case_type_label
    hooks.home_section(app, overview.centers_section)
    hooks.nav(app, views.nav_links)
    hooks.demo_loader(app, demo.load_demo_cases)
    from ipservice.cases import retention
    from ipservice.core import privacy

    privacy.retention_rule(app, "closed_case_text_days", retention.closed_case_text,
                           holds=retention.closed_case_text_held)
    # the summary and request are the applicant's own text: erased on request once no rule keeps them
    privacy.personal_fields(app, models.Case,
                            {"applicant_email": "email", "summary": "text", "request": "text"},
                            lambda user_id, enterprise_id:
                            models.Case.enterprise_id == (enterprise_id or "-"))
    hooks.command(app, calendar_cli.calendar_cli)  # adding a year recomputes the cases' estimated deadlines
