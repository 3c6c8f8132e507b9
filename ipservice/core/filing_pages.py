"""One set of pages for every filing kind, built from its declaration (``FilingKind.pages`` beside its
``api``), once per app. For a kind whose API path is ``cases``, under ``/t/<tenant>/cases/``:

- ``/`` — the enterprise's own filings, or the bureau's queue (filters from ``api.query``, counts, exports);
- ``/new`` — the tenant's form for a new filing (GET shows it, POST files it);
- ``/<filing_id>`` — one filing, with the decision form (a kind decided once) or the moves the viewer may
  make now (a state machine), and its attachments;
- ``/<filing_id>/decision`` or ``/<filing_id>/transitions`` (POST), ``/<filing_id>/attachments`` (POST:
  upload) and ``/<filing_id>/attachments/<attachment_id>`` (download);
- ``/export.xlsx`` and ``/export.csv`` — the bureau's export with the list's filters.

Shared templates: ``templates/filing/`` (list, new, detail); the kind's partial (``pages.partial``) holds only
what its fields need. A service's refusal reaches the form through ``forms.render.page_refusal``.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ipservice.core.access import access
from ipservice.core.attachments import send
from ipservice.core.errors import Refusal, error
from ipservice.core.idempotency import once_per_form
from ipservice.core.kind import FilingKind, N_
from ipservice.core.validators import page_number

PAGE_SIZE = 50
# the page texts every kind shares unless its ``pages.titles`` says otherwise
TITLES = {"files": N_("附件"), "upload": N_("上传文件（PDF、JPEG 或 PNG）"), "moves": N_("办理"),
          "preview": N_("估算"), "upload_on_new": N_("附件（也可提交后在详情页上传）")}
# the filters every filing list shares, labelled once (a kind's own filters carry their label in the schema)
FILTER_LABELS = {"status": ("状态", "Status"), "submitted_from": ("提交日期起", "Submitted from"),
                 "submitted_to": ("提交日期止", "Submitted to")}


def blueprint(kind: FilingKind) -> Blueprint:
    """The kind's page blueprint ``pages_<name>`` (a new one per call: each app has its own)."""
    package = kind.model.__module__.rsplit(".", 1)[0]
    bp = Blueprint(f"pages_{kind.name}", package, template_folder="templates",
                   url_prefix=f"/t/<tenant>/{kind.api.path}")
    views = _Views(kind)

    arg = kind.detail_arg  # the API's name of the id (``api.id_arg``), so a page and its API read alike

    def route(rule, endpoint, roles, method, post=False):
        rule = rule.replace("<filing_id>", f"<{arg}>")

        def view(**args):
            if arg in args:
                args["filing_id"] = args.pop(arg)
            return method(**args)

        view.__name__ = endpoint
        bp.add_url_rule(rule, endpoint, access(*roles)(view if endpoint != "new" else once_per_form(view)),
                        methods=["GET", "POST"] if endpoint == "new" else ["POST"] if post else ["GET"])

    route("/", "index", ("enterprise", "bureau"), views.index)
    route("/new", "new", ("enterprise",), views.new)
    route("/<filing_id>", "detail", ("enterprise", "bureau"), views.detail)
    if kind.decision is not None:
        route("/<filing_id>/decision", "decision", ("bureau",), views.decide, post=True)
    if kind.machine is not None:
        route("/<filing_id>/transitions", "transitions", kind.machine.roles(), views.move, post=True)
    if kind.attachments is not None:
        route("/<filing_id>/attachments", "upload", ("enterprise",), views.upload, post=True)
        route("/<filing_id>/attachments/<attachment_id>", "attachment", ("enterprise", "bureau"),
              views.attachment)
    route("/export.<any(xlsx, csv):fmt>", "export", ("bureau",), views.export)
    return bp


POSTED = ("decision", "transitions", "upload")  # the page endpoints a form posts to


def redirects(bp, moves: dict[str, str]) -> None:
    """Old page URLs answering a redirect to their new place: ``{old rule: new endpoint}`` (the rule names
    its arguments as the new one does), with the methods the new one takes; the query string goes along,
    and a POST is redirected with 308, which keeps its method and form. The view names its target
    (``moved_to``): whoever checks routes checks the target's."""
    for number, (rule, endpoint) in enumerate(moves.items()):
        def moved(endpoint=endpoint, **args):
            query = ("?" + request.query_string.decode()) if request.query_string else ""
            return redirect(url_for(endpoint, **args) + query, code=302 if request.method == "GET" else 308)

        view = endpoint.rsplit(".", 1)[1]
        moved.moved_to = endpoint
        bp.add_url_rule(rule, f"moved_{number}", access("anyone")(moved),
                        methods=["POST"] if view in POSTED else ["GET", "POST"] if view == "new" else ["GET"])


def nav_links(kind: FilingKind, tenant=None) -> list[dict]:
    """The kind's link in the header for its tenant's enterprise or bureau: on the pages of its own tenant
    (``tenant`` given: on every page, to that tenant's list)."""
    if not current_user.is_authenticated:
        return []
    tenant = tenant or g.get("tenant")
    if tenant is None or current_user.tenant_id != tenant.slug:
        return []
    label = kind.pages.nav.get(current_user.role)
    if not label:
        return []
    return [{"url": url_for(kind.list_endpoint, tenant=tenant.slug), "label": gettext(label)}]


def nav(kind: FilingKind):
    """The header hook of a kind whose only links are to its list (``hooks.nav(app, nav(kind))``)."""
    return lambda: nav_links(kind)


def text(kind: FilingKind, key: str, filing=None, **values) -> str:
    """One of the kind's page texts in the reader's language, with the filing's number, status, …"""
    if filing is not None:
        values = {"number": getattr(filing, kind.number_attr or "id", ""),
                  "status": kind.status_label(filing.status), **values,
                  **(kind.pages.values(filing) if kind.pages.values else {})}
    values.setdefault("mb", max_upload_mb())
    texts = kind.pages.titles.get(key) or kind.pages.flashes.get(key) or TITLES.get(key, key)
    return gettext(texts, **values)


class _Views:
    """The page views of one kind (thin: its service does the work, its schemas the checking)."""

    def __init__(self, kind: FilingKind):
        self.kind, self.pages = kind, kind.pages

    # --- shared pieces ---------------------------------------------------------------------------------

    def render(self, template: str, status: int = 200, **ctx):
        kind = self.kind

        def link(endpoint, f, **args):  # a page of one filing: its id named as the kind names it
            return url_for(endpoint, **{kind.detail_arg: f.id}, **args)

        return render_template(f"filing/{template}", kind=kind, surface=self.pages, part=self.pages.partial,
                               link=link, title=lambda key, f=None: text(kind, key, f),
                               **(self.pages.helpers() if self.pages.helpers else {}), **ctx), status

    def filters(self) -> tuple[dict, dict, dict]:
        """The list's filters from the query string: ``(filters, errors, raw)``."""
        from ipservice.forms.render import flat_errors, load_form

        schema = self.kind.api.query()
        raw = {k: v for k in schema.load_fields if (v := request.args.get(k, "").strip())}
        if current_user.role == "bureau":
            raw = {**self.pages.bureau_filters, **raw}
        data, errors = load_form(schema, MultiDict(raw))
        return (data or {}), flat_errors(errors), raw

    def filter_fields(self, raw: dict) -> list[dict]:
        """The list's filters as form fields: a choice with one option or none is left out."""
        from ipservice.core.i18n import pick
        from ipservice.forms.render import describe

        fields = []
        for spec in describe(self.kind.api.query()):
            name = spec["name"]
            label = FILTER_LABELS.get(name, (spec["label_zh"], spec["label_en"]))
            if name == "status":
                choices = [(s, self.kind.status_label(s)) for s in self.kind.statuses]
            elif name in self.pages.filter_choices:
                choices = self.pages.filter_choices[name]()
            elif spec["type"] == "boolean":
                choices = [("true", gettext("是")), ("false", gettext("否"))]
            else:
                choices = [(c["value"], pick(c["label_zh"], c["label_en"])) for c in spec["choices"] or []]
            if (spec["choices"] or name in self.pages.filter_choices) and len(choices) < 2:
                continue  # nothing to choose (a tenant with one center)
            fields.append({"name": name, "label": pick(*label), "value": raw.get(name, ""),
                           "choices": choices,
                           "type": "date" if spec["type"] == "date" else "choice" if choices else "text",
                           "all": name not in self.pages.bureau_filters})
        return fields

    def form_schema(self):
        from ipservice import forms

        return self.pages.form() if self.pages.form else forms.schema_for(g.tenant, self.kind.name)()

    def form_fields(self, schema) -> list[dict]:
        from ipservice.forms.render import for_page

        specs = for_page(schema)
        specs = self.pages.fields(specs) if self.pages.fields else specs
        if self.pages.upload_on_new:
            specs.append({"name": "file", "type": "file", "required": False, "accept": self.accept(),
                          "label": text(self.kind, "upload_on_new")})
        return specs

    def accept(self) -> str:
        """What the file chooser offers: the content types the kind's attachments take."""
        return ",".join(self.kind.attachments.content_types) if self.kind.attachments else ""

    def detail_page(self, filing, status: int = 200, **ctx):
        kind, user = self.kind, current_user
        moves = [{"to": m.to, "label": gettext(self.pages.actions.get(m.to) or kind.status_label(m.to)),
                  "note_required": m.note_required, "confirm": self.pages.confirm.get(m.to)}
                 for m in self.moves_now(filing)]
        files = kind.attachments.listing(user, filing.id) if kind.attachments is not None else None
        due = getattr(filing, kind.due_attr, None) if kind.due_attr else None
        decision_fields = []
        if kind.decision is not None and user.role == "bureau" and filing.status in kind.pending:
            from ipservice.forms.render import for_page

            decision_fields = [f for f in for_page(kind.decision.body()) if f["name"] != "decision"]
        ctx = {"values": {}, "errors": {}, "message": None, "upload_errors": {}, **ctx}
        return self.render("detail.html", status, f=filing, moves=moves, files=files, due=due,
                           accept=self.accept(),
                           decision_fields=decision_fields,
                           slots=self.pages.slots(filing) if self.pages.slots and files is not None else [],
                           page_url=url_for(".detail", **{self.kind.detail_arg: filing.id}), **ctx)

    def moves_now(self, filing) -> list:
        """The moves the viewer may make on the filing now (the applicant's, or the bureau's)."""
        mover = "applicant" if current_user.role == "enterprise" else "bureau"
        return [m for m in self.kind.machine.moves if filing.status in m.sources and m.by == mover] \
            if self.kind.machine is not None else []

    def done(self, filing, key: str, category: str = "message"):
        flash(text(self.kind, key if key in self.pages.flashes else (
            "decided" if self.kind.decision else "moved"), filing), category)
        return redirect(url_for(".detail", **{self.kind.detail_arg: filing.id}))

    # --- the views --------------------------------------------------------------------------------------

    def index(self):
        filters, errors, raw = self.filters()
        page = page_number(request.args.get("page", 1))
        items, total = ([], 0) if errors else self.kind.service.page(current_user, filters, page, PAGE_SIZE)
        bureau = current_user.role == "bureau"
        return self.render(
            "list.html", 422 if errors else 200, items=items, total=total, page=page,
            pages=max(1, -(-total // PAGE_SIZE)), errors=errors, bureau=bureau,
            filter_fields=self.filter_fields(raw),
            counts=self.kind.service.stats() if bureau else None,
            # only the list's own filters reach url_for: "endpoint", "_anchor", "tenant"… would not
            args={k: v for k, v in raw.items() if k in request.args})

    def new(self):
        from ipservice.forms.render import flat_errors, load_form, page_refusal

        schema = self.form_schema()
        values = self.pages.initial() if self.pages.initial else {}
        errors, message, status, preview = {}, None, 200, None
        if request.method == "POST":
            values = request.form
            data, errors = load_form(schema, request.form)
            errors, status = flat_errors(errors), (422 if errors else 200)
            upload = request.files.get("file") if self.pages.upload_on_new else None
            if data:
                try:
                    if self.pages.preview and request.form.get("action") == "preview":
                        preview = self.pages.preview(current_user, data)
                    else:
                        extra = {"upload": upload if upload is not None and upload.filename else None} \
                            if self.pages.upload_on_new else {}
                        filing = self.kind.service.submit(current_user, data, **extra)
                        return self.done(filing, "submitted")
                except Refusal as exc:
                    status, message, errors = page_refusal(exc, "file" if self.pages.upload_on_new else None)
            if errors and upload is not None and upload.filename and "file" not in errors:
                errors["file"] = [gettext("请重新选择要上传的文件。")]
        return self.render("new.html", status, fields=self.form_fields(schema), values=values, errors=errors,
                           message=message, preview=preview)

    def detail(self, filing_id):
        return self.detail_page(self.kind.service.get(current_user, filing_id))

    def decide(self, filing_id):
        from ipservice.forms.render import flat_errors, load_form, page_refusal

        data, errors = load_form(self.kind.decision.body(), request.form)
        errors, message, status = flat_errors(errors), None, 422
        if data:
            try:
                filing = self.kind.decision.apply(current_user, filing_id, data)
            except Refusal as exc:
                status, message, errors = page_refusal(exc)
            else:
                for notice in self.pages.notices(filing) if self.pages.notices else []:
                    flash(notice, "warning")
                return self.done(filing, filing.status)
        # shown on the POST URL: the language links go to the detail page (GET), not here
        return self.detail_page(self.kind.service.get(current_user, filing_id), status, values=request.form,
                                errors=errors, message=message)

    def move(self, filing_id):
        from ipservice.forms.render import flat_errors, load_form, page_refusal

        filing = self.kind.service.get(current_user, filing_id)
        data, errors = load_form(self.kind.machine.body(), request.form)
        errors, message, status = flat_errors(errors), None, 422
        to = (data or {}).get("to")
        confirm = self.pages.confirm.get(to) and any(m.to == to for m in self.moves_now(filing))
        if data and confirm and request.form.get("confirm") != "yes":  # what cannot be undone is confirmed
            message = gettext("不能撤销：请勾选确认后再提交。")
            errors = {"confirm": [message]}
        elif data:
            try:
                filing = self.kind.machine.apply(current_user, filing_id, data)
            except Refusal as exc:
                status, message, errors = page_refusal(exc)
                filing = self.kind.service.get(current_user, filing_id)
            else:
                return self.done(filing, filing.status)
        message = message or " ".join(t for texts in errors.values() for t in texts)
        return self.detail_page(filing, status, values=request.form, errors=errors, message=message)

    def upload(self, filing_id):
        from ipservice.forms.render import page_refusal

        files = self.kind.attachments
        slot = request.form.get(files.slot_field) or None if files.slot_field else None
        try:
            saved = files.attach(current_user, filing_id, request.files.get("file"), slot)
        except Refusal as exc:
            status, message, errors = page_refusal(exc, "file")
            return self.detail_page(self.kind.service.get(current_user, filing_id), status,
                                    upload_errors={"file": errors.get("file") or [message]})
        flash(gettext("已上传：%(name)s", name=saved.filename))
        return redirect(url_for(".detail", **{self.kind.detail_arg: filing_id}))

    def attachment(self, filing_id, attachment_id):
        return send(self.kind.attachments.attachment(current_user, filing_id, attachment_id))

    def export(self, fmt):
        filters, errors, _raw = self.filters()
        if errors:
            error(422, errors=errors, location="query")
        return self.kind.api.export(fmt, current_user, filters)


def max_upload_mb() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
