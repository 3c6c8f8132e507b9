"""What the case kind shows beyond its own pages: its centers on the tenant's public page and its closure
rate on the province view (``FilingKind.stats_charts``)."""
from __future__ import annotations

from flask_babel import gettext as _

from ipservice.cases import LABEL, config
from ipservice.core import charts
from ipservice.core.i18n import pick


def centers_section(tenant):
    """The tenant's protection / rights-assistance centers and the case types each takes (cases.toml)."""
    centers = config.of(tenant).centers
    return ("cases/_home_centers.html", {"centers": centers}) if centers else None


def closure_section(stats: list[dict], names: list[str]) -> list[tuple]:
    """The closure rate of each district's cases (``stats()["closure_rate"]``): a bar per district and the
    table behind it."""
    kind = pick(*LABEL)
    rates = [s.get("closure_rate") for s in stats]
    chart = charts.hbars(
        "chart-closure-case", _("%(kind)s结案率", kind=kind),
        _("结案数除以未撤回的总数；没有办件的地区无结案率。数值见下表。"), names,
        [charts.Series(_("结案率"), rates, [charts.percent(r) for r in rates])], max_value=1.0)
    rows = list(zip(names, stats, strict=True))
    return [("cases/_stats_closure.html", {"kind": kind, "chart": chart, "rows": rows})]
