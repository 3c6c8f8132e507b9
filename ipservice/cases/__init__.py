"""保护中心 / 维权援助 案件受理 — protection-center and rights-assistance cases: intake on the tenant's form,
gap-free numbering per tenant and year, the state machine with its history, time limits in working days of
the official calendar, the bureau's queue and exports, and the computed KPIs."""

ORDER = 80  # its place among the areas (navigation order)


def init_app(app):
    """Register the case kind, its navigation and demo data (once per app)."""
    from ipservice.cases import calendar_cli, demo, imports, metrics, models, schemas, services, views
    from ipservice.core import filing, hooks, labels

    filing.register_kind(app, filing.FilingKind(
        name="case", model=models.Case, object_type="case", label=("维权案件", "Protection-center case"),
        statuses={s: labels.STATUSES[s] for s in services.STATUSES},
        pending=("submitted", *services.OPEN_STATES),
        service=services, list_endpoint="cases.index", detail_endpoint="cases.detail", detail_arg="case_id",
        new_endpoint="cases.new", refilable=("declined",),
        stats_key="cases", stats_totals=services.stats_totals, stats_by_tenant=services.stats_by_tenant,
        number_attr="number", due_attr="due_on", importer=imports.SPEC, metrics=tuple(metrics.NAMES),
        stats_schema=schemas.CaseCounts, totals_schema=schemas.CaseTotals,
        form_section=schemas.CaseFormSection))
    hooks.nav(app, views.nav_links)
    hooks.demo_loader(app, demo.load_demo_cases)
    from ipservice.cases import retention
    from ipservice.core import privacy

    privacy.retention_rule(app, "closed_case_text_days", retention.closed_case_text)
    privacy.personal_fields(
        app, models.Case, {"applicant_email": "email"},
        lambda user_id, enterprise_id: models.Case.enterprise_id == (enterprise_id or "-"))
    hooks.command(app, calendar_cli.calendar_cli)  # adding a year recomputes the cases' estimated deadlines
