ORDER = 70  # its place among the areas (navigation order)

def init_app(app):
    """Register the certification kind, its navigation and demo data (once per app)."""
    from ipservice import forms
    from ipservice.certification import demo, kind, schemas
    from ipservice.core import filing, filing_pages, hooks

    hooks.nav(app, filing_pages.nav(filing.register_kind(app, kind.declare())))
    forms.register(app, "certification", schemas.build_form)
    hooks.demo_loader(app, demo.load_demo)
