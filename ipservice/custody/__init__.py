"""托管 — custody enrollment of small and micro enterprises with the tenant's approved custody agencies."""

ORDER = 60  # its place among the areas (navigation order)


def init_app(app):
    """Register the custody kind, its navigation, home section and demo data (once per app)."""
    from ipservice import forms
    from ipservice.core import filing, hooks
    from ipservice.custody import demo, kind, schemas, views

    filing.register_kind(app, kind.declare())
    forms.register(app, "custody", schemas.build_form)
    hooks.nav(app, views.nav_links)
    hooks.home_section(app, views.agencies_section)
    hooks.demo_loader(app, demo.load_demo)
