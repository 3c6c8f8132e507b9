"""A new filing kind is one new folder under ``ipservice/`` (plus its migration and its forms.toml section):
nothing else in the service names it, yet the one API, the one set of pages, exports, statistics, imports,
navigation, forms and the audit trail pick it up from its declaration (issue 19 item 7).

The test writes a minimal kind — 信息公开申请 (``notice``), decided once — into a folder that is added to the
``ipservice`` package path, and drives the app in a separate process (its table must not join the metadata
the rest of the suite cleans), on SQLite. The table is created from the model, standing in for the kind's
migration.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KIND = {
    "__init__.py": '''
        """信息公开申请 — a minimal filing kind, decided once: one folder, nothing else names it."""
        ORDER = 85


        def init_app(app):
            from ipservice import forms
            from ipservice.core import filing, filing_pages, hooks
            from ipservice.notice import kind, schemas

            hooks.nav(app, filing_pages.nav(filing.register_kind(app, kind.declare())))
            forms.register(app, "notice", schemas.build_form)
    ''',
    "models.py": '''
        from sqlalchemy import String
        from sqlalchemy.orm import Mapped, mapped_column

        from ipservice.core.filing import FilingMixin
        from ipservice.core.tenancy import TenantScoped
        from ipservice.extensions import db


        class Notice(TenantScoped, FilingMixin, db.Model):
            __tablename__ = "notices"
            subject: Mapped[str] = mapped_column(String(200), nullable=False)
    ''',
    "schemas.py": '''
        from marshmallow import Schema, fields, validate

        from ipservice.forms.builder import build

        STATUS_LABELS = {"submitted": ("已提交", "Submitted"), "answered": ("已答复", "Answered")}


        class NoticeIn(Schema):
            subject = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                    metadata={"label_zh": "申请事项", "label_en": "Subject"})


        class NoticeOut(Schema):
            id = fields.String()
            status = fields.String()
            subject = fields.String()
            extra = fields.Dict()


        class NoticeQuery(Schema):
            status = fields.String(validate=validate.OneOf(list(STATUS_LABELS)),
                                   metadata={"label_zh": "状态", "label_en": "Status"})


        class NoticeDecisionIn(Schema):
            decision = fields.String(required=True, validate=validate.OneOf(["answer"]))
            reason = fields.String(load_default=None, metadata={"label_zh": "答复", "label_en": "Answer"})


        def build_form(tenant):
            return build(NoticeIn, tenant.forms.fields_for("notice"), {})
    ''',
    "services.py": '''
        from flask_babel import gettext as _
        from sqlalchemy import func, select

        from ipservice.accounts.services import enterprise_id_of, enterprise_of
        from ipservice.core import filing
        from ipservice.core.errors import error
        from ipservice.core.exports import table_response
        from ipservice.extensions import db
        from ipservice.importing.cells import Column
        from ipservice.importing.spec import ImportSpec
        from ipservice.notice.models import Notice


        def submit(user, data, *, enterprise=None, upload=None):
            enterprise = enterprise or enterprise_of(user)
            if enterprise is None:
                error(403)
            notice = Notice(enterprise_id=enterprise.id, subject=data["subject"],
                            extra=data.get("extra") or {})
            return filing.submit(notice, "notice", user)


        def get(user, filing_id):
            return filing.get_or_404(Notice, filing_id, user, enterprise_id_of(user))


        def page(user, filters, page_no, page_size):
            stmt = filing.owned(Notice, user, enterprise_id_of(user))
            stmt = stmt.where(*filing.list_conditions(Notice, filters))
            total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = db.session.scalars(stmt.order_by(Notice.submitted_at.desc())
                                      .offset((page_no - 1) * page_size).limit(page_size))
            return list(rows), total


        def decide(user, filing_id, data):
            return filing.decide(get(user, filing_id), "notice", data.get("decision"), {"answer": "answered"},
                                 data.get("reason"), user, reason_required_for=())


        def stats():
            counts = {"submitted": 0, "answered": 0}
            by_status = select(Notice.status, func.count()).group_by(Notice.status)
            counts.update(dict(db.session.execute(by_status).all()))
            return counts


        def export(fmt, user, filters):
            rows, _total = page(user, filters, 1, 100_000)
            return table_response(fmt, _("信息公开申请"), [_("申请事项"), _("状态")],
                                  [[n.subject, n.status] for n in rows], "notices")


        SPEC = ImportSpec(command="notices", help="Import disclosure requests.",
                          columns=lambda tenant: [Column("enterprise_name", ("单位名称",), "Name"),
                                                  Column("uscc", ("统一社会信用代码",), "USCC"),
                                                  Column("subject", ("申请事项",), "Subject")],
                          existing=lambda values, enterprise, context, status: None)
    ''',
    "kind.py": '''
        """信息公开申请 as a filing kind: what the one API and the one set of pages need."""
        from ipservice.core.kind import N_, ApiSurface, Decision, FilingKind, PageSurface
        from ipservice.notice import models, schemas, services


        def declare() -> FilingKind:
            return FilingKind(
                name="notice", model=models.Notice, object_type="notice",
                label=("信息公开申请", "Disclosure request"),
                statuses=schemas.STATUS_LABELS, pending=("submitted",), service=services, stats_key="notices",
                importer=services.SPEC,
                decision=Decision(outcomes={"answer": "answered"}, body=schemas.NoticeDecisionIn,
                                  apply=services.decide, reason_required_for=()),
                api=ApiSurface(path="notices", id_arg="notice_id", query=schemas.NoticeQuery,
                               out=schemas.NoticeOut,
                               body=schemas.NoticeIn, export=services.export, noun="requests",
                               description="信息公开申请 — disclosure requests"),
                pages=PageSurface(
                    partial="notice/_filing.html",
                    titles={"mine": N_("我的信息公开申请"), "queue": N_("信息公开申请"),
                            "new": N_("新建信息公开申请"),
                            "detail": N_("信息公开申请")},
                    nav={"enterprise": N_("信息公开"), "bureau": N_("信息公开")},
                    empty=N_("没有信息公开申请。"),
                    flashes={"submitted": N_("已提交。"), "answered": N_("已答复。")},
                    actions={"answer": N_("答复")}))
    ''',
    "templates/notice/_filing.html": '''
        {% macro list_head() %}<th>{{ _('申请事项') }}</th><th>{{ _('状态') }}</th>{% endmacro %}
        {% macro list_row(n, url) %}<td><a href="{{ url }}">{{ n.subject }}</a></td>
        <td>{{ status_label(n.status) }}</td>{% endmacro %}
        {% macro detail(n) %}<dl class="detail"><dt>{{ _('申请事项') }}</dt>
        <dd>{{ n.subject }}</dd></dl>{% endmacro %}
    ''',
}

DRIVER = '''
import json, re, shutil, sys
from pathlib import Path
import ipservice
ipservice.__path__.append(sys.argv[1])
from ipservice import create_app
from ipservice.core import filing
from ipservice.extensions import db

root = Path(sys.argv[2])
tenants = root / "tenants"
shutil.copytree(Path(ipservice.__file__).parents[1] / "tenants", tenants)
with open(tenants / "xian" / "forms.toml", "a", encoding="utf-8") as f:  # the kind's forms.toml section
    f.write('\\n[notice]\\n[[notice.fields]]\\nname = "purpose"\\ntype = "text"\\nrequired = true\\n'
            'label_zh = "申请用途"\\nlabel_en = "Purpose"\\n')
app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                  "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'kind.db'}", "UPLOAD_DIR": str(root / "up"),
                  "TENANTS_DIR": str(tenants), "IPSERVICE_QUEUE_INPROCESS": False})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
    from ipservice.notice.models import Notice
    db.metadata.create_all(db.engine, tables=[Notice.__table__])  # the kind's migration
    from ipservice.accounts import services as accounts
    from ipservice.core.tenancy import cross_tenant, tenant_context
    with cross_tenant("test setup"):
        accounts.create_user("p@example.gov.cn", "Pass-word-2026!", "cross_admin", None)
        accounts.create_user("b@example.gov.cn", "Pass-word-2026!", "bureau", "xian")
        db.session.commit()

c = app.test_client()
def token(email):
    answer = c.post("/api/v1/auth/token", json={"email": email, "password": "Pass-word-2026!"})
    return {"Authorization": "Bearer " + answer.get_json()["token"]}

reg = c.post("/t/xian/api/v1/register", json={"name": "公开测试有限公司", "uscc": sys.argv[3],
             "email": "e@example.cn", "password": "Pass-word-2026!", "contact_name": "李四",
             "contact_phone": "029-88886666", "privacy_notice_version": 1})
e, b, p = token("e@example.cn"), token("b@example.gov.cn"), token("p@example.gov.cn")
out = {"register": reg.status_code}
# the API: submit (the tenant's own field from forms.toml), refuse, list, get, decide once, export
r = c.post("/t/xian/api/v1/notices", json={"subject": "2025年资助名单", "purpose": "核对"}, headers=e)
out["submit"] = [r.status_code, r.get_json()]
out["empty"] = c.post("/t/xian/api/v1/notices", json={}, headers=e).get_json()
nid = r.get_json()["id"]
out["list"] = [n["id"] for n in c.get("/t/xian/api/v1/notices", headers=b).get_json()]
out["get"] = c.get(f"/t/xian/api/v1/notices/{nid}", headers=e).get_json()
decision = f"/t/xian/api/v1/notices/{nid}/decision"
out["decide"] = c.post(decision, json={"decision": "answer"}, headers=b).get_json()
out["again"] = c.post(decision, json={"decision": "answer"}, headers=b).status_code
export = c.get("/t/xian/api/v1/notices.csv", headers=b)
out["export"] = [export.status_code, export.get_data().decode("utf-8-sig")]
out["paths"] = sorted(p for p in c.get("/api/v1/openapi.json").get_json()["paths"] if "notice" in p)
# the pages: the enterprise files from its list and new form, the bureau decides and exports
def signed_in(email):
    page = app.test_client()
    page.post("/login", data={"email": email, "password": "Pass-word-2026!"})
    return page
ent, bureau = signed_in("e@example.cn"), signed_in("b@example.gov.cn")
out["page_new"] = ent.get("/t/xian/notices/new").get_data(as_text=True)
filed = ent.post("/t/xian/notices/new", data={"subject": "页面提交的申请", "purpose": "研究"})
out["page_filed"] = [filed.status_code, filed.headers.get("Location", "")]
page_id = out["page_filed"][1].rstrip("/").rsplit("/", 1)[-1]
out["page_list"] = ent.get("/t/xian/notices/").get_data(as_text=True)
out["page_queue"] = bureau.get("/t/xian/notices/").get_data(as_text=True)
decided = bureau.post(f"/t/xian/notices/{page_id}/decision", data={"decision": "answer", "reason": "已公开"})
answered = bureau.get(f"/t/xian/notices/{page_id}?lang=en").get_data(as_text=True)
out["page_decided"] = [decided.status_code, answered]
page_export = bureau.get("/t/xian/notices/export.csv")
out["page_export"] = [page_export.status_code, page_export.get_data().decode("utf-8-sig")]
stats = c.get("/api/v1/stats", headers=p).get_json()
out["stats"] = {t["slug"]: t.get("notices") for t in stats["tenants"]}
out["totals"] = stats["totals"].get("notices")
out["kinds"] = [k.name for k in filing.kinds(app)]
out["forms"] = [f["form"] for f in c.get("/t/xian/api/v1/forms").get_json()]
with app.app_context(), tenant_context("xian"):
    from ipservice.core.audit import AuditEvent
    out["audit"] = sorted(a for (a,) in db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.object_type == "notice")))
runner = app.test_cli_runner()
out["import_help"] = runner.invoke(args=["import", "--help"]).output
print(json.dumps(out, ensure_ascii=False))
'''


def test_a_new_kind_is_one_folder(tmp_path):
    from tests.conftest import make_uscc

    pkg = tmp_path / "ext" / "notice"
    pkg.mkdir(parents=True)
    for name, text in KIND.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(textwrap.dedent(text).lstrip())
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("IPSERVICE_TEST_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path / "ext"), str(tmp_path), make_uscc()],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["register"] == 201
    # the one API, from the declaration: submit with the tenant's own field, refusal, list, get, decide,
    # export
    assert out["submit"][0] == 201 and out["submit"][1]["status"] == "submitted"
    assert out["submit"][1]["extra"] == {"purpose": "核对"}
    assert "subject" in json.dumps(out["empty"]) and "purpose" in json.dumps(out["empty"])
    assert out["empty"]["code"] == 422
    assert out["list"] == [out["submit"][1]["id"]] and out["get"]["subject"] == "2025年资助名单"
    assert out["decide"]["status"] == "answered" and out["again"] == 409
    assert out["export"][0] == 200 and "2025年资助名单" in out["export"][1]
    assert "/t/{tenant}/api/v1/notices/{notice_id}/decision" in out["paths"]
    # the one set of pages: the form shows the tenant's field; filed, listed, decided, exported
    assert "申请事项" in out["page_new"] and "申请用途" in out["page_new"]
    assert out["page_filed"][0] == 302 and "/t/xian/notices/" in out["page_filed"][1]
    assert "页面提交的申请" in out["page_list"] and "页面提交的申请" in out["page_queue"]
    assert out["page_decided"][0] == 302 and "Answered" in out["page_decided"][1]
    assert out["page_export"][0] == 200 and "页面提交的申请" in out["page_export"][1]
    # what spans filings picks it up from the registry: statistics, forms, the audit trail, the import
    assert out["kinds"][-1] == "notice" and {"custody", "certification", "case"} <= set(out["kinds"])
    assert out["stats"]["xian"] == {"submitted": 0, "answered": 2}
    assert out["stats"]["hebi"] == {"submitted": 0, "answered": 0}
    assert out["totals"] == {"submitted": 0, "answered": 2}
    assert "notice" in out["forms"]
    assert out["audit"] == ["notice.answered", "notice.answered", "notice.submitted", "notice.submitted"]
    assert "notices" in out["import_help"] and "certifications" in out["import_help"]

def _kinds() -> tuple[list[str], set[str]]:
    """The kinds' folders (their ``__init__`` registers a kind) and the kinds' names."""
    import re

    folders = sorted(p.parent.name for p in (ROOT / "ipservice").glob("*/__init__.py")
                     if "register_kind(" in p.read_text())
    names = {n for f in folders for p in (ROOT / "ipservice" / f).glob("*.py")
             for n in re.findall(r'FilingKind\(\s*name="(\w+)"', p.read_text())}
    return folders, names


def test_no_file_outside_a_kind_names_it():
    """Outside its own folder no module imports a kind or names it in a string (a kind-name list, a
    dispatch on the name, a forms section read by name), and no shared template names one: the shared
    code, the tenants' loader and the other areas iterate the registry instead."""
    import ast

    folders, names = _kinds()
    assert {"custody", "certification", "cases", "subsidy"} <= set(folders) and len(names) == len(folders)
    offenders = []
    for p in (ROOT / "ipservice").rglob("*.py"):
        if p.relative_to(ROOT / "ipservice").parts[0] in folders:
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                offenders.append(f"{p.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
            modules = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                       else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offenders += [f"{p.relative_to(ROOT)}:{node.lineno}: imports {m}" for m in modules
                          if any(m == f"ipservice.{f}" or m.startswith(f"ipservice.{f}.") for f in folders)]
    for p in (ROOT / "ipservice").rglob("*.html"):
        if p.relative_to(ROOT / "ipservice").parts[0] in folders:
            continue
        offenders += [f"{p.relative_to(ROOT)}: {n}" for n in names | set(folders)
                      if f"'{n}'" in p.read_text() or f'"{n}"' in p.read_text() or f"{n}." in p.read_text()]
    assert offenders == []


def test_no_area_imports_the_app_factory_or_the_cli():
    offenders = []
    for p in (ROOT / "ipservice").glob("*/*.py"):
        text = p.read_text()
        if "from ipservice.cli" in text or "import ipservice.cli" in text or "NAV_PROVIDERS" in text \
                or "from ipservice import create_app" in text:
            offenders.append(str(p.relative_to(ROOT)))
    assert offenders == []


def test_services_neither_abort_nor_commit():
    offenders = []
    for p in (ROOT / "ipservice").glob("*/services.py"):
        text = p.read_text()
        if ".commit()" in text or "import abort" in text or "abort(" in text:
            offenders.append(str(p.relative_to(ROOT)))
    assert offenders == []


def test_no_import_cycle():
    """No two modules of ``ipservice`` import each other, directly or round a longer circle, at module level
    (an import inside a function is how a module defers a dependency, and is left out)."""
    import ast

    package = ROOT / "ipservice"
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
               for p in package.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                edges |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                          for a in node.names}
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
        graph[name] = {e for e in edges if e in modules and e != name}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
