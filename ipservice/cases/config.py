"""``tenants/<slug>/cases.toml``: the case kind's own tenant file (``FilingKind.tenant_config``) — the
tenant's protection / rights-assistance centers and the case types each offers (each center citing the
clause of the policy document that gives it), the time limits for accepting and closing a case, the
case-number prefix and format, and the bureau's own settings among these (``[[bureau_settings]]``: a time
limit or a case type no document gives). Loaded and checked at start-up with the other tenant files; any
problem stops the app with the file and the field named. ``of(tenant)`` is the loaded file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from marshmallow import fields, validate, validates_schema

from ipservice.cases.models import CASE_TYPES
from ipservice.tenants import config as c
from ipservice.tenants.loader import TenantConfigError, bureau_setting, read_file
from ipservice.tenants.schemas import (
    CODE,
    BureauSettingSchema,
    Citation,
    Strict,
    TimeLimit,
    check_number_format,
)

FILE = "cases.toml"
KIND = "case"


@dataclass(frozen=True)
class Center:
    code: str
    name_zh: str
    name_en: str
    case_types: tuple[str, ...]
    source: c.Citation


@dataclass(frozen=True)
class CasesConfig:
    number_prefix: str
    number_format: str
    centers: tuple[Center, ...]
    accept_limit: c.TimeLimit
    close_limit: c.TimeLimit
    bureau_settings: tuple[c.BureauSetting, ...] = ()

    @property
    def case_types(self) -> tuple[str, ...]:
        """Every case type one of the tenant's centers offers, in the canonical order."""
        offered = {t for ce in self.centers for t in ce.case_types}
        return tuple(t for t in CASE_TYPES if t in offered)

    def center(self, code: str) -> Center | None:
        return next((ce for ce in self.centers if ce.code == code), None)

    def number(self, year: int, seq: int) -> str:
        return self.number_format.format(prefix=self.number_prefix, year=year, seq=seq)


def of(tenant) -> CasesConfig:
    """The tenant's cases.toml as loaded."""
    return tenant.part(KIND)


# --- the file's schema ------------------------------------------------------------------------------------

class CenterSchema(Strict):
    code = fields.String(required=True, validate=CODE)
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    case_types = fields.List(fields.String(validate=validate.OneOf(tuple(CASE_TYPES))), required=True,
                             validate=validate.Length(min=1))
    source = fields.Nested(Citation, required=True)


class TimeLimits(Strict):
    accept = fields.Nested(TimeLimit, required=True)
    close = fields.Nested(TimeLimit, required=True)


class CasesFileSchema(Strict):
    number_prefix = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{1,8}$"))
    number_format = fields.String(load_default="{prefix}-{year}-{seq:06d}")
    centers = fields.List(fields.Nested(CenterSchema), load_default=list)
    time_limits = fields.Nested(TimeLimits, required=True)
    # Settings that no document gives (e.g. the time limits): the bureau's own, shown as such.
    bureau_settings = fields.List(fields.Nested(BureauSettingSchema), load_default=list)

    @validates_schema
    def number_format_works(self, data, **kwargs):
        check_number_format(data, "number_format")


def load(folder: Path, tenant: c.Tenant, kinds) -> CasesConfig:
    """``folder/cases.toml``, its citations checked against the tenant's documents (a tenant whose
    centers offer nothing lists none; the file, with its number prefix and time limits, is required)."""
    path = folder / FILE
    if not path.is_file():
        raise TenantConfigError(f"{path}: missing")
    data = read_file(path, CasesFileSchema())
    codes = {d.code for d in tenant.documents}
    centers = []
    for i, ce in enumerate(data["centers"]):
        if ce["source"]["document"] not in codes:
            raise TenantConfigError(f"{path}: centers.{i}.source.document: unknown document "
                                    f"{ce['source']['document']!r}; known: {', '.join(sorted(codes))}")
        centers.append(Center(**{**ce, "case_types": tuple(ce["case_types"]),
                                  "source": c.Citation(**ce["source"])}))
    if len({ce.code for ce in centers}) != len(centers):
        raise TenantConfigError(f"{path}: centers.code: codes repeat")
    known = {"case_time_limits": None,
             **{f"centers.{ce.code}.case_types": set(ce.case_types) for ce in centers}}
    limits = data["time_limits"]
    return CasesConfig(
        number_prefix=data["number_prefix"], number_format=data["number_format"], centers=tuple(centers),
        accept_limit=c.TimeLimit(**limits["accept"]), close_limit=c.TimeLimit(**limits["close"]),
        bureau_settings=tuple(bureau_setting(path, i, b, known)
                              for i, b in enumerate(data["bureau_settings"])))
