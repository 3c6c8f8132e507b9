"""Published documents (a tenant's policy, forms, subsidy rules, KPI definitions) answered with an ETag and
``Cache-Control``: a client or the proxy that has the document asks again with ``If-None-Match`` and gets
304 without the body. The tag is the body's hash, so it changes exactly when the document does (a new
configuration deployed, a KPI actual reported); the body depends on the language, hence ``Vary``."""
from __future__ import annotations

from flask import current_app, request

ATTR = "_http_document_max_age"


def document(max_age: int):
    """Mark a GET view as a published document, fresh for ``max_age`` seconds (0: revalidate each time)."""
    def mark(view):
        setattr(view, ATTR, max_age)
        return view

    return mark


def _max_age() -> int | None:
    view = current_app.view_functions.get(request.endpoint or "")
    cls = getattr(view, "view_class", None)
    fn = getattr(cls, request.method.lower(), None) if cls is not None else view
    return getattr(fn, ATTR, None)


def conditional(response):
    """``after_request``: ETag, Cache-Control and Vary on a document's 200; 304 when the client has it."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    max_age = _max_age()
    if max_age is None:
        return response
    response.published_document = True  # the same for every reader: core.security keeps its Cache-Control
    response.add_etag()
    response.headers["Cache-Control"] = f"public, max-age={max_age}" if max_age else "no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)


def install(app) -> None:
    app.after_request(conditional)
