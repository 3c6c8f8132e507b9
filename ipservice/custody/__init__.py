"""托管 — custody enrollment of small and micro enterprises with the tenant's approved custody agencies."""

ORDER = 60  # its place among the areas (navigation order)


def init_app(app):
    """Register the custody kind, its navigation, home section and demo data (once per app)."""
    from ipservice.core import filing, hooks, labels
    from ipservice.custody import demo, imports, models, schemas, services, views

    filing.register_kind(app, filing.FilingKind(
        name="custody", model=models.CustodyEnrollment, object_type=services.OBJECT,
        label=("托管申请", "Custody enrollment"),
        statuses={s: labels.STATUSES[s] for s in schemas.STATUSES}, pending=("submitted",),
        service=services, list_endpoint="custody.queue", detail_endpoint="custody.detail",
        detail_arg="enrollment_id", number_attr="number", new_endpoint="custody.new", importer=imports.SPEC,
        stats_schema=schemas.CustodyCounts,
        metrics=("custody_enrollments_approved",), form_section=schemas.CustodyFormSection,
        funded_through_filing=True))
    hooks.nav(app, views.nav_links)
    hooks.home_section(app, views.agencies_section)
    hooks.demo_loader(app, demo.load_demo)
