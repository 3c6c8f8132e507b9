ORDER = 90  # its place among the areas (navigation order)

def init_app(app):
    """Hook the area into the app (called once by the app factory)."""
    from flask import request

    from ipservice.extensions import api as smorest_api
    from ipservice.stats import api, views

    views.init_app(app)

    @app.before_request
    def _document_stats_kinds():
        if request.endpoint == "api-docs.openapi_json":
            api.document_kinds(app, smorest_api)
