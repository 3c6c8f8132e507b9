"""资助/奖励申请 — subsidy applications: an organization applies under any funded rule of its district's
policy
(``tenants/<slug>/subsidies.toml``); the estimate comes from the rule in force on the basis date and quotes
its clause; one subsidy per object; the bureau grants within the estimate; the liability is held against
the budget lines of the documents."""

ORDER = 75  # its place among the areas (navigation order)


def init_app(app):
    """Register the subsidy kind, its navigation and demo data (once per app)."""
    from ipservice.core import filing, hooks, labels
    from ipservice.subsidy import config, demo, imports, models, schemas, services, views

    filing.register_kind(app, filing.FilingKind(
        name="subsidy", model=models.SubsidyApplication, object_type=models.OBJECT_TYPE,
        label=("资助申请", "Subsidy application"),
        statuses={s: labels.STATUSES[s] for s in schemas.STATUSES}, pending=("submitted",),
        service=services, list_endpoint="subsidy.index", detail_endpoint="subsidy.detail",
        detail_arg="application_id", new_endpoint="subsidy.rules", stats_key="subsidies",
        number_attr="number", importer=imports.SPEC, stats_extra=services.stats_extra,
        stats_extra_schema=schemas.SubsidyLiabilityReportOut, stats_by_tenant=services.stats_by_tenant,
        stats_schema=schemas.SubsidyCounts, tenant_config=config.load))
    hooks.nav(app, views.nav_links)
    hooks.home_section(app, views.home_section)
    hooks.demo_loader(app, demo.load_demo)
