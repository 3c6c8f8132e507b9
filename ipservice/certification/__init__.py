ORDER = 70  # its place among the areas (navigation order)

def init_app(app):
    """Register the certification kind, its navigation and demo data (once per app)."""
    from ipservice.certification import imports, models, schemas, services, views
    from ipservice import forms
    from ipservice.core import filing, hooks

    filing.register_kind(app, filing.FilingKind(
        name="certification", model=models.CertificationRecord, object_type=models.OBJECT_TYPE,
        label=("贯标认证备案", "IP-management certification record"),
        statuses=models.STATUS_LABELS, pending=("submitted",),
        service=services, list_endpoint="certification.index", detail_endpoint="certification.detail",
        detail_arg="record_id", stats_key="certifications", number_attr="number",
        new_endpoint="certification.new", importer=imports.SPEC,
        stats_schema=schemas.CertificationCounts,
        metrics={"certifications_verified": services.certifications_verified}, funded_through_filing=True))
    forms.register(app, "certification", schemas.build_form)
    hooks.nav(app, views.nav)
    hooks.demo_loader(app, services.load_demo)
