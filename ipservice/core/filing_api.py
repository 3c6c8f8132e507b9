"""One API for every filing kind, built from its declaration (``FilingKind.api``), once per app.

For a kind with ``api.path = "cases"`` and ``api.id_arg = "case_id"``, under ``/t/<tenant>/api/v1``:

- ``GET /cases`` (list, paginated, filtered by ``api.query``) and ``POST /cases`` (submit: the tenant's form);
- ``GET /cases/<case_id>``;
- ``POST /cases/<case_id>/decision`` (a kind decided once) or ``/transitions`` (a state machine);
- ``GET|POST /cases/<case_id>/attachments`` and ``GET …/attachments/<attachment_id>`` (if it has files);
- ``GET /cases.xlsx`` and ``/cases.csv`` (the bureau's export, the list's filters).

The paths, parameter names, codes and bodies are the v1 contract (tests/contract keeps them unchanged).
"""
from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_login import current_user

from ipservice.core import exports
from ipservice.core.access import access
from ipservice.core.attachments import AttachmentOut, download_doc, send
from ipservice.core.idempotency import idempotent
from ipservice.core.kind import FilingKind

PAGE = {"page_size": 50, "max_page_size": 500}


def blueprint(kind: FilingKind):
    """The kind's API blueprint (a new one per call: each app has its own)."""
    from ipservice.extensions import Blueprint

    api = kind.api
    blp = Blueprint(f"api_filing_{kind.name}", f"ipservice.{kind.name}", url_prefix="/t/<tenant>/api/v1",
                    description=api.description)
    _collection(blp, kind)
    _item(blp, kind)
    if kind.decision is not None:
        _decision(blp, kind)
    if kind.machine is not None:
        _transitions(blp, kind)
    if kind.attachments is not None:
        _attachments(blp, kind)
    exports.export_routes(blp, f"/{api.path}", api.query,
                          lambda fmt, filters: api.export(fmt, current_user, filters), api.noun, kind=kind)
    return blp


def _present(kind: FilingKind, filing, detail: bool = True):
    return kind.api.present(filing, detail) if kind.api.present else filing


def _refusals(blp, kind: FilingKind, operation: str, view):
    for code, text in sorted(kind.api.refusals.get(operation, {}).items(), reverse=True):
        view = blp.alt_response(code, description=text)(view)
    return view


def _route(blp, rule: str, endpoint: str, **methods):
    blp.route(rule, endpoint=endpoint)(type(endpoint, (MethodView,), methods))


def _collection(blp, kind: FilingKind) -> None:
    api, label = kind.api, kind.label[1]

    def get(self, filters, pagination_parameters):
        items, total = kind.service.page(current_user, filters, pagination_parameters.page,
                                         pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return [_present(kind, item, detail=False) for item in items]

    get.__doc__ = (f"{kind.label[0]} — {label}s, newest first (an enterprise: its own; the bureau: all "
                   "of the "
                   "tenant's), filtered by the query's fields.")
    get = access("enterprise", "bureau")(blp.arguments(api.query, location="query")(
        blp.response(200, (api.list_out or api.out)(many=True))(blp.paginate(**PAGE)(get))))

    def post(self):
        from ipservice import forms

        return _present(kind, kind.service.submit(current_user, forms.load_json(g.tenant, kind.name))), 201

    post.__doc__ = f"File a {label.lower()} (``Idempotency-Key`` accepted)."
    body = {"requestBody": {"required": True, "content": {"application/json": {"schema": api.body}}}}
    post = blp.response(201, api.out)(_refusals(blp, kind, "submit", post))
    post = access("enterprise")(idempotent(blp.doc(**body, description=api.submit_text or (
        f"The body is the tenant's {kind.name} form (``GET /forms``): these base fields plus the tenant's "
        "own fields at the top level."))(post)))
    _route(blp, f"/{api.path}", "Collection", get=get, post=post)


def _item(blp, kind: FilingKind) -> None:
    api = kind.api

    def get(self, **args):
        return _present(kind, kind.service.get(current_user, args[api.id_arg]))

    get.__doc__ = f"One {kind.label[1].lower()} (another organization's or tenant's: 404)."
    get = access("enterprise", "bureau")(blp.response(200, api.out)(get))
    _route(blp, f"/{api.path}/<{api.id_arg}>", "Item", get=get)


def _decision(blp, kind: FilingKind) -> None:
    api, decision = kind.api, kind.decision

    def post(self, data, **args):
        answer = decision.apply(current_user, args[api.id_arg], data)
        return answer if decision.answer else _present(kind, answer)

    post.__doc__ = (f"Decide a submitted {kind.label[1].lower()} once: {', '.join(decision.outcomes)} "
                    f"(a reason is required for {', '.join(decision.reason_required_for)}).")
    post = blp.response(200, decision.answer or api.out)(_refusals(blp, kind, "decide", post))
    post = access("bureau")(blp.arguments(decision.body)(post))
    _route(blp, f"/{api.path}/<{api.id_arg}>/decision", "Decision", post=post)


def _transitions(blp, kind: FilingKind) -> None:
    api, machine = kind.api, kind.machine

    def post(self, data, **args):
        return _present(kind, machine.apply(current_user, args[api.id_arg], data))

    post.__doc__ = "Move it: " + "; ".join(
        f"{' | '.join(m.sources)} → {m.to}" + (" (the applicant)" if m.by == "applicant" else "")
        for m in machine.moves) + "."
    post = blp.response(200, api.out)(_refusals(blp, kind, "move", post))
    post = access(*machine.roles())(blp.arguments(machine.body)(post))
    _route(blp, f"/{api.path}/<{api.id_arg}>/transitions", "Transitions", post=post)


def _attachments(blp, kind: FilingKind) -> None:
    api, files = kind.api, kind.attachments

    def get(self, **args):
        return files.listing(current_user, args[api.id_arg])

    get.__doc__ = f"The {files.what}s of one {kind.label[1].lower()}."
    get = access("enterprise", "bureau")(blp.response(200, AttachmentOut(many=True))(get))

    def post(self, form, **args):
        slot = form.get(files.slot_field) if files.slot_field else None
        return files.attach(current_user, args[api.id_arg], request.files.get("file"), slot), 201

    post.__doc__ = (f"Add a {files.what} (multipart ``file``: {', '.join(files.content_types)} by content) "
                    "to one's own filing.")
    post = blp.response(201, AttachmentOut)(_refusals(blp, kind, "attach", post))
    post = access("enterprise")(blp.arguments(files.upload, location="form",
                                              content_type="multipart/form-data")(post))
    _route(blp, f"/{api.path}/<{api.id_arg}>/attachments", "Attachments", get=get, post=post)

    def download(self, attachment_id, **args):
        return send(files.attachment(current_user, args[api.id_arg], attachment_id))

    download.__doc__ = f"Download a {files.what} (the filing's organization and the tenant's bureau only)."
    download = access("enterprise", "bureau")(blp.response(200, description="the file")(
        blp.doc(**download_doc(*files.content_types))(download)))
    _route(blp, f"/{api.path}/<{api.id_arg}>/attachments/<attachment_id>", "AttachmentFile", get=download)
