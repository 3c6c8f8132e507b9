"""资助/奖励申请 — subsidy applications: an organization applies under any funded rule of its district's
policy
(``tenants/<slug>/subsidies.toml``); the estimate comes from the rule in force on the basis date and quotes
its clause; one subsidy per object; the bureau grants within the estimate; the liability is held against
the budget lines of the documents."""

ORDER = 75  # its place among the areas (navigation order)


def init_app(app):
    """Register the subsidy kind, its navigation and demo data (once per app)."""
    from ipservice import forms
    from ipservice.core import filing, hooks
    from ipservice.subsidy import demo, form, kind, views

    filing.register_kind(app, kind.declare())
    forms.register(app, "subsidy", form.build_form)
    hooks.nav(app, views.nav_links)
    hooks.home_section(app, views.home_section)
    hooks.demo_loader(app, demo.load_demo)
