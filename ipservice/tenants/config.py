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
    index_number: str = ""  # the publishing site's 索引号, where the document has no number of its own

    @property
    def label(self) -> str:
        """How a citation names the document: its number, or its title where it has none."""
        return self.number or f"《{self.title}》"


@dataclass(frozen=True)
class TimeLimit:
    days: int
    calendar: str  # "working" or "calendar"


@dataclass(frozen=True)
class ServiceStandard:
    """How long a filing decided once (custody, certification, …) may wait for the bureau's decision:
    the worklists call it overdue after that. ``source`` is None where the bureau set it itself."""

    decide: TimeLimit
    source: Citation | None = None


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
    reading_zh: str = ""  # the reading chosen of an ambiguous clause (empty: the words allow one)
    reading_en: str = ""

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on <= self.effective_to


@dataclass(frozen=True)
class YearValue:
    year: int
    value: float | None
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class KpiTable:
    code: str
    title_zh: str
    title_en: str
    document: str
    years: tuple[int, ...]
    has_growth_column: bool
    # "published_table": the document prints this table; "text": targets gathered from its prose.
    origin: str = "published_table"

    @property
    def from_text(self) -> bool:
        return self.origin == "text"


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
    # A reported indicator may name a metric the service counts that is related but not the same
    # quantity: shown beside the reported actual as a reference, never as the actual.
    reference_metric: str | None = None
    reference_zh: str = ""
    reference_en: str = ""
    category_en: str = ""
    unit_en: str = ""
    published_growth_en: str = ""
    reading_zh: str = ""  # the reading chosen of an ambiguous row or text (empty: the words allow one)
    reading_en: str = ""
    value_range: str = ""  # "change" (a growth rate in %) or "ratio" (a count per head): ipservice.kpi.ranges

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
    section_en: str = ""
    title_en: str = ""
    content_en: str = ""
    lead_units_en: tuple[str, ...] = ()
    partner_units_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormField:
    """A tenant's own field of a form (``[[<kind>.fields]]`` in forms.toml)."""
    name: str
    type: str
    required: bool
    label_zh: str
    label_en: str
    choices: tuple[dict, ...]
    max_length: int | None
    source: Citation | None


ExtraField = FormField  # the name the subsidy rules' own fields go by


@dataclass(frozen=True)
class FormSection:
    """One ``[<kind>]`` section of forms.toml: the tenant's own fields and the kind's choice settings
    (whatever the kind's ``form_section`` schema reads, e.g. the custody services offered)."""
    fields: tuple[FormField, ...] = ()
    options: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class FormsConfig:
    """forms.toml: one section per filing kind."""
    version: int
    sections: dict = field(default_factory=dict)

    def fields_for(self, kind: str) -> tuple[FormField, ...]:
        """The tenant's own fields of the ``kind`` form; empty when forms.toml has no such section."""
        section = self.sections.get(kind)
        return section.fields if section else ()

    def option(self, kind: str, name: str, default=()):
        """A choice setting of the ``kind`` section, e.g. ``option("custody", "services")``."""
        section = self.sections.get(kind)
        return section.options.get(name, default) if section else default

    def with_fields(self, kind: str, fields, **options) -> FormsConfig:
        """A copy whose ``kind`` section has these fields (and options): a tenant's form as it would be."""
        section = self.sections.get(kind, FormSection())
        sections = {**self.sections, kind: FormSection(tuple(fields), {**section.options, **options})}
        return FormsConfig(version=self.version, sections=sections)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.sections)


@dataclass(frozen=True)
class BureauSetting:
    """A value the bureau set itself, not taken from any document (shown on the pages as such)."""
    setting: str          # "service_standard", "forms.<kind>.<option>"; a kind's own, e.g. "case_time_limits"
    values: tuple[str, ...]  # which values of the setting (empty: the whole setting)
    note_zh: str
    note_en: str

    def covers(self, setting: str, value: str | None = None) -> bool:
        return self.setting == setting and (value is None or not self.values or value in self.values)


@dataclass(frozen=True)
class Tenant:
    slug: str
    name_zh: str
    name_en: str
    bureau_zh: str
    bureau_en: str
    documents: tuple[Document, ...]
    rules: tuple[Rule, ...] = ()
    kpi_tables: tuple[KpiTable, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    tasks: tuple[Task, ...] = ()
    forms: FormsConfig | None = None
    bureau_settings: tuple[BureauSetting, ...] = ()
    service_standard: ServiceStandard | None = None  # None: no time limit, nothing is overdue
    _documents_by_code: dict = field(default_factory=dict, compare=False, repr=False)
    # What each filing kind read from its own file (``FilingKind.tenant_config``), by kind name.
    parts: dict = field(default_factory=dict, compare=False, repr=False)

    def document(self, code: str) -> Document:
        return self._documents_by_code[code]

    def part(self, kind: str):
        """The ``kind``'s own settings of this tenant (e.g. the subsidy kind's subsidies.toml)."""
        return self.parts[kind]

    def bureau_setting(self, setting: str, value: str | None = None) -> BureauSetting | None:
        """The bureau's own setting covering ``setting`` (and ``value``), None when a document sets it."""
        return next((b for b in self.bureau_settings if b.covers(setting, value)), None)

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)
