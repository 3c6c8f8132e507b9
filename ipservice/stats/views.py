"""The province view (/stats): the districts side by side, as charts with the tables behind them."""
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.core import charts, filing, hooks
from ipservice.core.access import access
from ipservice.core.i18n import pick
from ipservice.core.types import today_china
from ipservice.stats import services

bp = Blueprint("stats", __name__, template_folder="templates")
YEARS = (2000, 2100)


def _year() -> tuple[int, str | None]:
    """The year asked for (default: the latest year with targets, ``services.default_year``), or that year
    and the message refusing what was asked."""
    raw = request.args.get("year", "").strip()
    this_year = services.default_year(today_china().year)
    if not raw:
        return this_year, None
    if raw.isdigit() and YEARS[0] <= int(raw) <= YEARS[1]:
        return int(raw), None
    return this_year, _("年份须为 %(first)s 到 %(last)s 之间的整数。", first=YEARS[0], last=YEARS[1])


bp.add_app_template_filter(charts.number, "number")
bp.add_app_template_filter(charts.percent, "percent")


def quantity(value, row: dict) -> str:
    """A KPI value with the indicator's unit in the page's language: ``20 件``, ``95%``."""
    return charts.quantity(value, pick(row["unit"], row.get("unit_en") or ""))


def _name(d: dict) -> str:
    return pick(d["name_zh"], d["name_en"])


def _charts(data: dict) -> dict:
    districts, kinds = data["districts"], filing.kinds()
    names = [_name(d) for d in districts]
    out = {"volumes": _volumes_chart(districts, kinds, names),
           "kinds": _kind_sections(districts, kinds, names)}
    if data["months"]:
        out["months"] = _months_chart(data)
    out["groups"] = [_group_chart(i, rows) for i, rows in enumerate(data["comparable"])]
    return out


def _volumes_chart(districts: list[dict], kinds, names: list[str]):
    return charts.hbars(
        "chart-volumes", _("各地区办件总量（按类别）"),
        _("每个地区各类办件的总数（所有状态），数值见下表。"), names,
        [charts.Series(pick(*k.label), [d["kinds"][k.name]["total"] for d in districts]) for k in kinds])



def _kind_sections(districts: list[dict], kinds, names: list[str]) -> list:
    """Each kind's own sections on the province view (the cases' closure rate):
    ``FilingKind.stats_charts``."""
    return [section for k in kinds if k.stats_charts is not None
            for section in k.stats_charts([d["kinds"][k.name]["stats"] for d in districts], names)]

def _months_chart(data: dict):
    return charts.lines(
        "chart-months", _("%(year)s 年各地区每月提交的办件", year=data["year"]),
        _("每个地区每月提交的各类办件合计，数值见下表。"), data["months"],
        [charts.Series(_name(d), [d["per_month"][m] for m in data["months"]]) for d in data["districts"]],
        y_label=_("件数"))


def _group_chart(i: int, rows: list[dict]):
    """One comparable indicator: its target and actual value by district and indicator table."""
    labels = [f"{_name(r['district'])} · {pick(r['table_title_zh'], r['table_title_en'])}" for r in rows]
    return charts.hbars(
        f"chart-group-{i}", group_title(rows), _("目标值和实际值，按地区和指标表，数值见下表。"), labels,
        [charts.Series(_("目标"), [r["target"] for r in rows], [quantity(r["target"], r) for r in rows]),
         charts.Series(_("实际值"), [r["actual"] for r in rows], [quantity(r["actual"], r) for r in rows])])


def group_title(rows: list[dict]) -> str:
    """The names one comparable indicator is published under, each once."""
    names = []
    for r in rows:
        name = pick(r["name_zh"], r["name_en"])
        if name not in names:
            names.append(name)
    return " / ".join(names)


@bp.route("/stats")
@access("cross_admin")
def dashboard():
    year, refusal = _year()
    if refusal:
        return render_template("stats/dashboard.html", data=None, year=request.args.get("year", ""),
                               refusal=refusal), 422
    data = services.comparison(year)
    return render_template("stats/dashboard.html", data=data, year=year, refusal=None, charts=_charts(data),
                           kinds=filing.kinds(), quantity=quantity, group_title=group_title,
                           this_year=today_china().year)


def _nav():
    if current_user.is_authenticated and current_user.role == "cross_admin":
        return [{"url": url_for("stats.dashboard"), "label": _("跨地区统计")}]
    return []


def _landing(user):
    return url_for("stats.dashboard") if user.role == "cross_admin" else None


def init_app(app):
    hooks.nav(app, _nav)
    hooks.landing(app, _landing)
