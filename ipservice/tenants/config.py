"""Typed, read-only views of a tenant's configuration."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    document: str
    clause: str
    quote: str


@dataclass(frozen=True)
class Document:
    code: str
    title: str
    title_en: str
    number: str
    issued_on: dt.date
    period_start: dt.date
    period_end: dt.date
    seed: str = ""

    @property
    def label(self) -> str:
        """How a citation names the document: its number, or its title where it has none."""
        return self.number or f"《{self.title}》"


@dataclass(frozen=True)
class Center:
    code: str
    name_zh: str
    name_en: str
    case_types: tuple[str, ...]
    source: Citation


@dataclass(frozen=True)
class TimeLimit:
    days: int
    calendar: str  # "working" or "calendar"


@dataclass(frozen=True)
class Rule:
    code: str
    name_zh: str
    name_en: str
    kind: str
    applies_to: str
    amount_cny: int | None
    rate: float | None
    cap_cny: int | None
    unit: str | None
    effective_from: dt.date
    effective_to: dt.date
    org_types: tuple[str, ...]
    note_zh: str
    note_en: str
    source: Citation

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on <= self.effective_to


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float | None
    note: str = ""


@dataclass(frozen=True)
class KpiTable:
    code: str
    title_zh: str
    title_en: str
    document: str
    years: tuple[int, ...]
    has_growth_column: bool


@dataclass(frozen=True)
class Indicator:
    code: str
    table: str
    seq: int
    category: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    source: str  # "computed" or "reported"
    metric: str | None
    measure: str
    baseline: YearValue | None
    published_growth: str
    targets: tuple[YearValue, ...]
    citation: Citation

    def target_for(self, year: int) -> YearValue | None:
        return next((t for t in self.targets if t.year == year), None)


@dataclass(frozen=True)
class Task:
    code: str
    document: str
    seq: str
    section: str
    title: str
    content: str
    lead_units: tuple[str, ...]
    partner_units: tuple[str, ...]
    clause: str


@dataclass(frozen=True)
class ExtraField:
    name: str
    type: str
    required: bool
    label_zh: str
    label_en: str
    choices: tuple[dict, ...]
    max_length: int | None
    source: Citation | None


@dataclass(frozen=True)
class FormsConfig:
    version: int
    custody_services: tuple[str, ...]
    custody_fields: tuple[ExtraField, ...]
    certification_fields: tuple[ExtraField, ...]
    case_ip_types: tuple[str, ...]
    case_fields: tuple[ExtraField, ...]
    subsidy_fields: tuple[ExtraField, ...] = ()


@dataclass(frozen=True)
class Tenant:
    slug: str
    name_zh: str
    name_en: str
    bureau_zh: str
    bureau_en: str
    case_number_prefix: str
    case_number_format: str
    documents: tuple[Document, ...]
    centers: tuple[Center, ...]
    accept_limit: TimeLimit
    close_limit: TimeLimit
    rules: tuple[Rule, ...] = ()
    kpi_tables: tuple[KpiTable, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    tasks: tuple[Task, ...] = ()
    forms: FormsConfig | None = None
    subsidies: object = None  # tenants.subsidies.SubsidyConfig (subsidies.toml)
    _documents_by_code: dict = field(default_factory=dict, compare=False, repr=False)

    def document(self, code: str) -> Document:
        return self._documents_by_code[code]

    @property
    def case_types(self) -> tuple[str, ...]:
        """Every case type one of the tenant's centers offers, in the canonical order."""
        from ipservice.tenants.schemas import CASE_TYPES

        offered = {t for c in self.centers for t in c.case_types}
        return tuple(t for t in CASE_TYPES if t in offered)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)
