"""Where the day starts: the bureau's worklist (工作台) and an enterprise's 我的办件, over every filing kind;
``GET /dashboard`` and ``GET /my`` serve the same."""

ORDER = 30  # its place among the areas (navigation order: before the areas' own links)


def init_app(app):
    """The landing pages of the bureau and the enterprise, and their navigation links."""
    from ipservice.core import hooks
    from ipservice.worklist import views

    hooks.landing(app, views.landing)
    hooks.nav(app, views.nav_links)
