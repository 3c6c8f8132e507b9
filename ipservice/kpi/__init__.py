ORDER = 50  # its place among the areas (navigation order)


def init_app(app):
    """Hook the area into the app (called once by the app factory)."""
    from ipservice.kpi import views

    views.init_app(app)
