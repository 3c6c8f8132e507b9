"""``flask --app wsgi import custody|certifications --tenant SLUG --as EMAIL FILE.xlsx`` — bulk import of a
bureau's existing spreadsheets (custody enrollments, 贯标 certification records).

How it works, and the decisions taken:

- The first sheet of the workbook is read (openpyxl, read-only, cached formula values). The header row is
  the first of the first ten rows that names at least two known columns (so a title row above the header,
  as in the service's own exports, is fine). Headers are the Chinese column names or the English field
  names (also the form's labels); unknown columns are ignored (listed on stderr).
- Every row goes through the same validation as an API filing: the cells become the API body (labels such
  as 小型 or 信息利用 become their codes, Excel dates become ISO dates), the tenant's form schema
  (``forms.schema_for(tenant, "custody"|"certification")``) loads it, and the area's own service function
  files it (``custody.services.submit_enrollment`` / ``certification.services.submit``) and, for a
  historical decided row (状态 已批准/已核验/已驳回), decides it (``decide_enrollment`` / ``decide``). So an
  imported row obeys every rule an API filing does (agency approved, no overlapping custody period,
  certificate number unique, subsidy estimate, audit events).
- The importing user (``--as EMAIL``, a bureau user of the tenant) is recorded as the one who filed the
  record (``submitted_by``) and who made the decision; the audit trail names them as the actor, and each
  imported record also gets a ``<type>.imported`` event with the file name and row number. The decision
  time is the time of the import (the spreadsheets carry no decision date).
- The enterprise of a row is found by its USCC in the tenant. When there is none yet, an Enterprise is
  created with the row's name, owned by a placeholder enterprise user that cannot log in: role
  ``enterprise``, ``active=False``, a random password nobody knows, e-mail
  ``uscc-<uscc>@<tenant>.import.invalid`` (``.invalid`` is reserved and never delivers; the tenant is in the
  address because e-mail addresses are unique across the service while a USCC is unique per tenant). Such an
  organization cannot register itself later with the same USCC (409) until the bureau hands the account over.
- Re-importing creates no duplicates. A certification row is identified by its certificate number, a
  custody row by (enterprise USCC, agency, start date, end date); when such a record exists the row is
  skipped, before any other check (so an old file still re-imports cleanly after the form changed). A
  rejected record blocks only a rejected row: as in the API, a certificate or period whose filing was
  rejected may be filed again.
- One transaction per row: a bad row leaves nothing behind (not even its placeholder enterprise), the good
  rows are kept. Rows are processed in file order.
- Exit code 0 when no row failed, 1 when some did, 2 for usage errors (unknown tenant or user, unreadable
  file, missing required columns).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from ipservice.core.tenancy import tenant_context

import_cli = AppGroup("import", help="Bulk import of a bureau's spreadsheets (custody, certifications).")

HEADER_SEARCH_ROWS = 10
LANGS = {"zh": "zh_CN", "en": "en"}


class Invalid(Exception):
    """A cell that cannot become a value of its field; the message is for the report."""


# --- cells to values ---------------------------------------------------------------------------------------

def _norm(text) -> str:
    """How headers and choice labels are compared: NFKC, no whitespace, lower case, no trailing ``*``."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower().rstrip("*")


def _text(raw):
    """A cell as text: integral numbers without ``.0`` (a USCC or certificate number typed as a number)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(raw):
    """An Excel date, an Excel serial number, or text ``YYYY-MM-DD`` (also ``/``, ``.`` or 年月日): the ISO
    text the schema loads (an impossible day such as 2023-02-30 stays as it is: the schema rejects it)."""
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(raw).date().isoformat()
        except (ValueError, OverflowError, TypeError):
            return str(raw)
    text = _text(raw)
    m = _DATE_TEXT.match(text or "")
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    return text


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无"}


def _bool(raw):
    if isinstance(raw, bool):
        return raw
    text = _norm(_text(raw))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(_("请填写“是”或“否”。"))


def _joiner() -> str:
    from ipservice.core.i18n import is_english

    return ", " if is_english() else "、"


def _choice(raw, choices: list[dict], aliases: dict | None = None):
    """A label (Chinese or English) or code of ``choices`` → the code."""
    from ipservice.core.i18n import pick

    text = _text(raw)
    wanted = _norm(text)
    for c in choices:
        if wanted in (_norm(c["value"]), _norm(c["label_zh"]), _norm(c["label_en"])):
            return c["value"]
    for alias, value in (aliases or {}).items():
        if wanted == _norm(alias) and any(c["value"] == value for c in choices):
            return value
    raise Invalid(_("“%(value)s”不是可选项，可选：%(choices)s。", value=text,
                    choices=_joiner().join(pick(c["label_zh"], c["label_en"]) for c in choices)))


_SEPARATORS = re.compile(r"[、,，;；\n]+")


def _choices(raw, choices: list[dict]):
    """Labels or codes separated by 、 or , → the codes."""
    if isinstance(raw, (list, tuple)):
        parts = raw
    else:
        parts = [p for p in _SEPARATORS.split(_text(raw) or "") if p.strip()]
    return [_choice(p, choices) for p in parts]


def _integer(raw):
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else _text(raw)


# --- the columns of a kind ---------------------------------------------------------------------------------

@dataclass
class Column:
    key: str                                  # the schema's field name (or a key of the import itself)
    names: tuple[str, ...]                    # accepted headers; the first is the Chinese column name
    label_en: str
    required: bool = True
    convert: Callable = _text

    @property
    def label(self) -> str:
        from ipservice.core.i18n import pick

        return pick(self.names[0], self.label_en)


def _labels_table(table: dict, keys=None) -> list[dict]:
    from ipservice.core.labels import choices

    return choices(table, keys)


def _status_column(statuses: tuple[str, ...]) -> Column:
    from ipservice.core.labels import STATUSES

    return Column("status", ("状态", "status", "审核状态"), "Status", False,
                  lambda raw: _choice(raw, _labels_table(STATUSES, statuses)))


def _tenant_columns(fields) -> list[Column]:
    out = []
    for f in fields:
        choices = [dict(c) for c in f.choices]
        convert = {
            "choice": lambda raw, c=choices: _choice(raw, c),
            "multi_choice": lambda raw, c=choices: _choices(raw, c),
            "date": _date, "boolean": _bool, "integer": _integer,
        }.get(f.type, _text)
        out.append(Column(f.name, (f.label_zh, f.name, f.label_en), f.label_en, f.required, convert))
    return out


def _custody_columns(tenant) -> list[Column]:
    from ipservice.core.labels import CUSTODY_SERVICES, ENTERPRISE_SCALES

    scales = _labels_table(ENTERPRISE_SCALES)
    services = _labels_table(CUSTODY_SERVICES, tenant.forms.custody_services)
    scale_aliases = {"微型企业": "micro", "小型企业": "small", "中型企业": "medium", "微": "micro", "小": "small",
                     "中": "medium"}
    return [
        Column("enterprise_name", ("企业名称", "enterprise_name", "name", "单位名称"), "Enterprise name"),
        Column("uscc", ("统一社会信用代码", "uscc", "enterprise_uscc"), "USCC"),
        Column("enterprise_scale", ("企业规模", "enterprise_scale", "scale"), "Enterprise scale",
               convert=lambda raw: _choice(raw, scales, scale_aliases)),
        Column("agency", ("托管服务机构", "agency", "agency_id", "agency_name", "agency_uscc"),
               "Custody service agency"),
        Column("services", ("服务内容", "托管服务内容", "services"), "Services",
               convert=lambda raw: _choices(raw, services)),
        Column("start_date", ("开始日期", "托管合同开始日期", "合同开始日期", "start_date"), "Contract start date",
               convert=_date),
        Column("end_date", ("结束日期", "托管合同结束日期", "合同结束日期", "end_date"), "Contract end date",
               convert=_date),
        Column("government_purchased", ("政府购买", "政府购买服务", "government_purchased"),
               "Paid by the government", False, _bool),
        *_tenant_columns(tenant.forms.custody_fields),
        _status_column(("submitted", "approved", "rejected")),
        Column("reason", ("驳回理由", "决定理由", "理由", "reason", "decision_reason"), "Reason", False),
    ]


def _edition(raw):
    from ipservice.certification.standards import ENTERPRISE_EDITIONS

    text = _text(raw)
    return next((e for e in ENTERPRISE_EDITIONS if _norm(e) == _norm(text)), text)


def _certification_columns(tenant) -> list[Column]:
    from ipservice.core.labels import ORG_TYPES

    org_types = _labels_table(ORG_TYPES)
    aliases = {"高校": "university", "大学": "university", "科研院所": "research_institute",
               "科研机构": "research_institute", "科研单位": "research_institute"}
    return [
        Column("enterprise_name", ("单位名称", "企业名称", "enterprise_name", "name"), "Organization name"),
        Column("uscc", ("统一社会信用代码", "uscc", "enterprise_uscc"), "USCC"),
        Column("org_type", ("单位类型", "org_type"), "Type of organization",
               convert=lambda raw: _choice(raw, org_types, aliases)),
        Column("standard_edition", ("标准版本", "standard_edition"), "Standard edition", False, _edition),
        Column("certificate_no", ("证书编号", "certificate_no"), "Certificate number"),
        Column("certification_body", ("认证机构", "certification_body"), "Certification body"),
        Column("issued_on", ("发证日期", "issued_on"), "Issue date", convert=_date),
        Column("expires_on", ("有效期至", "expires_on"), "Valid until", convert=_date),
        Column("consulting_agency", ("辅导机构", "consulting_agency"), "Consulting agency", False),
        Column("scope", ("认证范围", "scope"), "Scope of certification"),
        *_tenant_columns(tenant.forms.certification_fields),
        _status_column(("submitted", "verified", "rejected")),
        Column("reason", ("驳回理由", "审核意见", "理由", "reason", "decision_reason"), "Reason", False),
    ]


# --- reading the workbook ----------------------------------------------------------------------------------

def read_rows(path: Path) -> list[tuple]:
    """The first sheet's rows (values only)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def map_header(rows: list[tuple], columns: list[Column]):
    """``(header row index, {column key: cell index}, ignored headers)`` of the header row: the first of the
    first rows that names at least two known columns (else the first non-empty row)."""
    by_name: dict[str, Column] = {}
    for col in columns:
        for name in col.names:
            by_name.setdefault(_norm(name), col)

    def mapping(row):
        found, ignored = {}, []
        for i, cell in enumerate(row):
            text = _text(cell)
            if not text:
                continue
            col = by_name.get(_norm(text))
            if col is None:
                ignored.append(text)
            else:
                found.setdefault(col.key, i)
        return found, ignored

    first = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if first is None and any(_text(c) for c in row):
            first = index
        found, ignored = mapping(row)
        if len(found) >= 2:
            return index, found, ignored
    if first is None:
        return None, {}, []
    found, ignored = mapping(rows[first])
    return first, found, ignored


# --- the outcome of a row ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    row: int
    result: str                                # "ok", "skipped", "error"
    detail: str = ""                           # why skipped
    errors: list[tuple[str, str]] = field(default_factory=list)   # (column label, message)
    record_id: str | None = None

    def result_text(self) -> str:
        return {"ok": _("导入成功"), "skipped": _("跳过"), "error": _("错误")}[self.result]

    def detail_text(self) -> str:
        if self.result == "skipped":
            return self.detail
        if self.result == "error":
            return ("；" if _joiner() == "、" else "; ").join(
                _("%(field)s：%(message)s", field=f, message=m) if f else m for f, m in self.errors)
        return ""

    def lines(self) -> list[str]:
        if self.result == "ok":
            return [_("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())]
        if self.result == "skipped":
            return [_("第 %(row)s 行：跳过（%(reason)s）", row=self.row, reason=self.detail)]
        head = _("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())
        return [head] + ["    " + (_("%(field)s：%(message)s", field=f, message=m) if f else m)
                         for f, m in self.errors]


class RowErrors(Exception):
    def __init__(self, errors: dict):
        super().__init__("row errors")
        self.errors = errors


def _flatten(messages) -> list[str]:
    from ipservice.core.i18n import localize_errors

    messages = localize_errors(messages)
    if isinstance(messages, dict):
        out = []
        for value in messages.values():
            out += _flatten(value)
        return out
    if isinstance(messages, (list, tuple)):
        out = []
        for value in messages:
            out += _flatten(value)
        return out
    return [str(messages)]


# --- the importer ------------------------------------------------------------------------------------------

class Importer:
    """Imports the rows of one kind into the current tenant, one transaction per row."""

    kind = ""
    form = ""
    statuses: ClassVar[dict[str, str]] = {}  # status → the decision word of the service
    # The service's field names that are not column keys.
    error_keys: ClassVar[dict] = {"agency_id": "agency", "decision": "status", "extra": None}

    def __init__(self, tenant, user, filename: str):
        self.tenant, self.user_id, self.filename = tenant, user.id, filename
        self.columns = self.build_columns(tenant)
        self.by_key = {c.key: c for c in self.columns}

    def build_columns(self, tenant) -> list[Column]:
        raise NotImplementedError

    # -- helpers

    @property
    def user(self):
        from ipservice.accounts.models import User
        from ipservice.extensions import db

        return db.session.get(User, self.user_id)

    def label_of(self, key: str | None) -> str:
        key = self.error_keys.get(key, key)
        col = self.by_key.get(key) if key else None
        return col.label if col is not None else ""

    def values(self, row: tuple, mapping: dict) -> tuple[dict, dict]:
        """``(values by column key, errors by column key)``; empty cells are left out."""
        values, errors = {}, {}
        for key, index in mapping.items():
            raw = row[index] if index < len(row) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            try:
                values[key] = self.by_key[key].convert(raw)
            except Invalid as exc:
                errors[key] = [str(exc)]
        return values, errors

    def enterprise(self, values: dict, errors: dict):
        """The row's enterprise by USCC (``None`` when it is new); the USCC and, for a new one, the name are
        validated as on the registration form."""
        from ipservice.accounts.models import Enterprise
        from ipservice.accounts.schemas import RegistrationSchema
        from ipservice.extensions import db

        if not values.get("uscc"):
            errors.setdefault("uscc", []).append(_("缺少必填字段。"))
            return None, None
        try:
            uscc = RegistrationSchema(only=("uscc",)).load({"uscc": values["uscc"]})["uscc"]
        except ValidationError as exc:
            errors.setdefault("uscc", []).extend(_flatten(exc.messages))
            return None, None
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
        if enterprise is None:
            try:
                RegistrationSchema(only=("name",)).load({"name": values.get("enterprise_name") or ""})
            except ValidationError as exc:
                errors.setdefault("enterprise_name", []).extend(_flatten(exc.messages))
        return uscc, enterprise

    def create_enterprise(self, uscc: str, name: str, row: int):
        """A new Enterprise owned by a placeholder user that cannot log in (see the module docstring)."""
        from ipservice.accounts import services as accounts
        from ipservice.accounts.models import Enterprise
        from ipservice.core import audit
        from ipservice.extensions import db

        email = f"uscc-{uscc}@{self.tenant.slug}.import.invalid".lower()
        owner = accounts.find_user(email)
        if owner is None:
            owner = accounts.create_user(email, secrets.token_urlsafe(32), "enterprise", self.tenant.slug,
                                         name.strip())
        owner.active = False
        db.session.flush()
        enterprise = Enterprise(name=name.strip(), uscc=uscc, contact_name="", contact_phone="", user_id=owner.id)
        db.session.add(enterprise)
        db.session.flush()
        audit.record("enterprise.imported", "enterprise", enterprise.id,
                     {"name": enterprise.name, "uscc": uscc, "owner": email, "file": self.filename, "row": row},
                     actor=self.user)
        return enterprise

    def status_of(self, values: dict) -> str:
        return values.get("status") or "submitted"

    # -- one row

    def run_row(self, row_no: int, row: tuple, mapping: dict) -> Outcome:
        from ipservice.extensions import db

        try:
            outcome = self._row(row_no, row, mapping)
            if outcome.result == "ok":
                db.session.commit()
            else:
                db.session.rollback()
            return outcome
        except RowErrors as exc:
            db.session.rollback()
            return Outcome(row_no, "error", errors=self._messages(exc.errors))
        except HTTPException as exc:  # the service refused (core.errors.error)
            db.session.rollback()
            data = getattr(exc, "data", None) or {}
            fields = (data.get("messages") or {}).get("json") or {}
            errors = self._messages(fields)
            if not errors:
                errors = [("", data.get("message") or exc.description or str(exc))]
            return Outcome(row_no, "error", errors=errors)
        except Exception as exc:  # noqa: BLE001 — one broken row must not stop the import
            db.session.rollback()
            return Outcome(row_no, "error", errors=[("", _("内部错误：%(error)s", error=f"{type(exc).__name__}: {exc}"))])

    def _messages(self, errors: dict) -> list[tuple[str, str]]:
        """``[(column label, message)]`` in the order of the columns (the row's own messages first)."""
        order = {c.key: n for n, c in enumerate(self.columns)}
        out = []
        for key, messages in sorted(errors.items(),
                                    key=lambda kv: order.get(self.error_keys.get(kv[0], kv[0]), -1)):
            if key == "extra" and isinstance(messages, dict):
                out += self._messages(messages)
                continue
            label = "" if key == "_schema" else (self.label_of(key) or key)
            out += [(label, m) for m in _flatten(messages)]
        return out

    def _row(self, row_no: int, row: tuple, mapping: dict) -> Outcome:
        values, errors = self.values(row, mapping)
        uscc, enterprise = self.enterprise(values, errors)
        context = self.resolve(values, errors)
        skip = self.existing(values, uscc, enterprise, context)
        if skip:
            return Outcome(row_no, "skipped", detail=skip)
        payload = self.payload(values, context)
        from ipservice import forms

        try:
            data = forms.schema_for(self.tenant, self.form)().load(payload)
        except ValidationError as exc:
            for key, messages in exc.messages.items():
                errors.setdefault(self.error_keys.get(key, key) or key, messages)  # a cell that could not be converted keeps its own message
        if errors:
            raise RowErrors(errors)
        if enterprise is None:
            enterprise = self.create_enterprise(uscc, values["enterprise_name"], row_no)
        record = self.submit(data, enterprise)
        status = self.status_of(values)
        if status != "submitted":
            self.decide(record, self.statuses[status], values.get("reason"))
        from ipservice.core import audit

        audit.record(f"{self.object_type}.imported", self.object_type, record.id,
                     {"file": self.filename, "row": row_no, "status": status}, actor=self.user)
        return Outcome(row_no, "ok", record_id=record.id)

    # -- per kind

    object_type = ""

    def resolve(self, values: dict, errors: dict):
        return None

    def existing(self, values, uscc, enterprise, context) -> str | None:
        raise NotImplementedError

    def payload(self, values: dict, context) -> dict:
        skip = {"enterprise_name", "uscc", "status", "reason", "agency"}
        return {k: v for k, v in values.items() if k not in skip}

    def submit(self, data: dict, enterprise):
        raise NotImplementedError

    def decide(self, record, decision: str, reason):
        raise NotImplementedError


def _blocks(existing_status: str, row_status: str) -> bool:
    """Whether an existing record makes the row a duplicate: any record that is not rejected, and a
    rejected one for a rejected row (a rejected filing may be filed again, as through the API)."""
    return existing_status != "rejected" or row_status == "rejected"


class CustodyImporter(Importer):
    kind, form = "custody", "custody"
    statuses: ClassVar[dict[str, str]] = {"approved": "approve", "rejected": "reject"}
    object_type = "custody_enrollment"

    def build_columns(self, tenant):
        return _custody_columns(tenant)

    def resolve(self, values, errors):
        """The agency named by the row (its name or USCC, any agency of the tenant: the service refuses one
        that is not approved)."""
        from ipservice.core.validators import normalize_uscc
        from ipservice.custody.models import CustodyAgency
        from ipservice.extensions import db

        text = values.get("agency")
        if not text:
            return None
        agency = db.session.scalar(select(CustodyAgency).where(CustodyAgency.uscc == normalize_uscc(text)))
        if agency is not None:
            return agency
        named = list(db.session.scalars(select(CustodyAgency).where(CustodyAgency.name == text)))
        if len(named) > 1:
            named = [a for a in named if a.approved] or named
        if len(named) == 1:
            return named[0]
        if named:
            errors["agency"] = [_("本地区有多个名为“%(name)s”的托管服务机构，请填写其统一社会信用代码。", name=text)]
        else:
            errors["agency"] = [_("本地区没有名称或统一社会信用代码为“%(value)s”的托管服务机构。", value=text)]
        return None

    def existing(self, values, uscc, enterprise, agency):
        from ipservice.custody.models import CustodyEnrollment
        from ipservice.extensions import db

        try:
            start = dt.date.fromisoformat(values.get("start_date") or "")
            end = dt.date.fromisoformat(values.get("end_date") or "")
        except (TypeError, ValueError):
            return None
        if enterprise is None or agency is None:
            return None
        statuses = db.session.scalars(select(CustodyEnrollment.status).where(
            CustodyEnrollment.enterprise_id == enterprise.id, CustodyEnrollment.agency_id == agency.id,
            CustodyEnrollment.start_date == start, CustodyEnrollment.end_date == end)).all()
        if any(_blocks(s, self.status_of(values)) for s in statuses):
            return _("已存在：该企业同一托管服务机构、同一合同期的托管申请")
        return None

    def payload(self, values, agency):
        payload = super().payload(values, agency)
        if values.get("agency"):
            # The resolved agency; an unknown one keeps its text so that the schema does not call it missing.
            payload["agency_id"] = agency.id if agency is not None else str(values["agency"])[:36]
        return payload

    def submit(self, data, enterprise):
        from ipservice.custody import services

        return services.submit_enrollment(data, self.user, enterprise=enterprise, commit=False)

    def decide(self, record, decision, reason):
        from ipservice.custody import services

        services.decide_enrollment(record.id, decision, reason, self.user, commit=False)


class CertificationImporter(Importer):
    kind, form = "certifications", "certification"
    statuses: ClassVar[dict[str, str]] = {"verified": "verify", "rejected": "reject"}
    object_type = "certification"

    def build_columns(self, tenant):
        return _certification_columns(tenant)

    def existing(self, values, uscc, enterprise, context):
        from ipservice.certification.models import CertificationRecord
        from ipservice.certification.schemas import normalize_certificate_no
        from ipservice.extensions import db

        number = normalize_certificate_no(values.get("certificate_no") or "")
        if not number:
            return None
        statuses = db.session.scalars(select(CertificationRecord.status).where(
            CertificationRecord.certificate_no == number)).all()
        if any(_blocks(s, self.status_of(values)) for s in statuses):
            return _("已存在：证书编号 %(no)s", no=number)
        return None

    def submit(self, data, enterprise):
        from ipservice.certification import services

        return services.submit(self.tenant, self.user, data, enterprise=enterprise, commit=False)

    def decide(self, record, decision, reason):
        from ipservice.certification import services

        services.decide(self.user, record.id, decision, reason, commit=False)


# --- the command -------------------------------------------------------------------------------------------

def _usage(message: str):
    raise click.UsageError(message)


def _setup(kind_cls, tenant_slug: str, email: str, path: Path):
    """Check the tenant, the user and the file (usage errors, exit 2); the importer, rows and header."""
    from ipservice.accounts import services as accounts
    from ipservice.tenants import registry

    tenant = registry.get(tenant_slug)
    user = accounts.find_user(email)
    if user is None:
        _usage(_("未找到用户 %(email)s。", email=email))
    if user.role != "bureau" or user.tenant_id != tenant.slug or not user.active:
        from ipservice.core.i18n import pick

        _usage(_("%(email)s 不是%(tenant)s知识产权局的有效用户，不能导入。", email=user.email,
                 tenant=pick(tenant.name_zh, tenant.name_en)))
    try:
        rows = read_rows(path)
    except Exception as exc:  # noqa: BLE001 — whatever openpyxl or the file system says
        _usage(_("无法读取文件 %(file)s：%(error)s", file=str(path), error=str(exc) or type(exc).__name__))
    importer = kind_cls(tenant, user, path.name)
    header, mapping, ignored = map_header(rows, importer.columns)
    missing = [c for c in importer.columns if c.required and c.key not in mapping]
    if header is None or missing:
        from ipservice.core.i18n import pick

        names = [pick(c.names[0], f"{c.names[0]} ({c.key})") for c in missing] if missing else \
            [c.names[0] for c in importer.columns if c.required]
        _usage(_("文件缺少必需的列：%(columns)s", columns=_joiner().join(names)))
    return importer, rows, header, mapping, ignored


def write_csv(path: Path, outcomes: list[Outcome]) -> None:
    from ipservice.core.exports import safe_cell

    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([_("行号"), _("结果"), _("详情")])
        for o in outcomes:
            writer.writerow([o.row, o.result_text(), safe_cell(o.detail_text())])


def run_import(kind_cls, tenant_slug: str, email: str, path: Path, report: Path | None, lang: str) -> int:
    """The command's work; returns the exit code (usage errors raise ``click.UsageError``)."""
    from ipservice.extensions import db
    from ipservice.tenants import registry

    stderr = click.get_text_stream("stderr")
    with force_locale(LANGS[lang]):
        if registry.get(tenant_slug) is None:
            _usage(_("未知的地区“%(slug)s”，可选：%(choices)s。", slug=tenant_slug,
                     choices=", ".join(t.slug for t in registry.all())))
        with tenant_context(tenant_slug):
            importer, rows, header, mapping, ignored = _setup(kind_cls, tenant_slug, email, path)
            db.session.rollback()
            if ignored:
                click.echo(_("忽略的列：%(columns)s", columns=_joiner().join(ignored)), err=True)
            # Row numbers are the spreadsheet's (the header row is ``header + 1``); empty rows are left out.
            data = [(n, row) for n, row in enumerate(rows[header + 1:], start=header + 2)
                    if any(_text(c) for c in row)]
            outcomes = []
            with click.progressbar(data, label=_("导入中"), file=stderr, show_pos=True) as bar:
                for row_no, row in bar:
                    outcomes.append(importer.run_row(row_no, row, mapping))
        for o in outcomes:
            for line in o.lines():
                click.echo(line)
        counts = {k: sum(o.result == k for o in outcomes) for k in ("ok", "skipped", "error")}
        click.echo(_("%(total)s 行：导入 %(ok)s，跳过 %(skipped)s，错误 %(failed)s", total=len(outcomes),
                     ok=counts["ok"], skipped=counts["skipped"], failed=counts["error"]))
        if report is not None:
            write_csv(report, outcomes)
            click.echo(_("报告已写入 %(file)s", file=str(report)), err=True)
    return 1 if counts["error"] else 0


def _options(fn):
    fn = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))(fn)
    fn = click.option("--lang", type=click.Choice(list(LANGS)), default="zh", show_default=True,
                      help="language of the report and its messages")(fn)
    fn = click.option("--report", "report", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                      default=None, help="also write the report as CSV (UTF-8 with BOM)")(fn)
    fn = click.option("--as", "email", required=True, help="the importing user: a bureau user of the tenant")(fn)
    fn = click.option("--tenant", "tenant_slug", required=True, help="tenant slug")(fn)
    return fn


@import_cli.command("custody")
@_options
def import_custody(tenant_slug, email, report, lang, file):
    """Import custody enrollments (托管申请) from FILE.xlsx."""
    click.get_current_context().exit(run_import(CustodyImporter, tenant_slug, email, file, report, lang))


@import_cli.command("certifications")
@_options
def import_certifications(tenant_slug, email, report, lang, file):
    """Import 贯标 certification records (贯标认证备案) from FILE.xlsx."""
    click.get_current_context().exit(run_import(CertificationImporter, tenant_slug, email, file, report, lang))
