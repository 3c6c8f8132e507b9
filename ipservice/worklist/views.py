"""The bureau's worklist (工作台) and an enterprise's 我的办件: where each one's day starts."""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ipservice.accounts.services import enterprise_of
from ipservice.core import charts, filing, hooks
from ipservice.core.access import access
from ipservice.core.i18n import pick
from ipservice.core.validators import page_number
from ipservice.worklist import services

bp = Blueprint("worklist", __name__, template_folder="templates", url_prefix="/t/<tenant>")
PAGE_SIZE = 50
LIST_LIMIT = 50  # rows of the overdue / due-soon lists on the page (the API gives all)


bp.add_app_template_filter(charts.number, "number")
bp.add_app_template_filter(charts.percent, "percent")


def detail_url(kind, item_id: str) -> str:
    return url_for(kind.detail_endpoint, **{kind.detail_arg: item_id})


def new_url(kind) -> str | None:
    """The kind's form for a new filing (``new_endpoint``), if it has one."""
    endpoint = kind.new_endpoint
    return url_for(endpoint) if endpoint and endpoint in current_app.view_functions else None


def quantity(value, row: dict) -> str:
    """``20 件`` / ``95%``: a KPI value with the indicator's unit in the page's language."""
    return charts.quantity(value, pick(row["unit"], row.get("unit_en") or ""))


def _kpi_chart(kpis: list[dict], year: int):
    rows = [k for k in kpis if k["progress"] is not None]
    if not rows:
        return None
    texts = [_("%(actual)s / %(target)s（%(pct)s）", actual=quantity(k["actual"], k),
               target=quantity(k["target"], k),
               pct=charts.percent(k["progress"])) for k in rows]  # as in the table, to the digit
    return charts.hbars(
        "chart-kpis", _("%(year)s 年指标进度", year=year),
        _("每个指标的完成进度（实际值相对目标值），虚线为目标（100%）；数值见下表。"),
        [pick(k["name_zh"], k["name_en"]) for k in rows],
        [charts.Series(_("进度"), [k["progress"] for k in rows], texts)],
        max_value=max(1.5, min(3.0, max(k["progress"] for k in rows))), marker=1.0, marker_label=_("目标"))


@bp.route("/worklist")
@access("bureau")
def bureau():
    """工作台 — what waits for the bureau, what is overdue or due soon, KPI progress, volumes, liability."""
    data = services.dashboard(g.tenant)
    kinds = filing.kinds()
    work = hooks.waiting_work()
    shown = data["overdue"][:LIST_LIMIT] + data["due_soon"][:LIST_LIMIT]
    services.name_enterprises(shown)
    by_name = {k.name: k for k in kinds}
    _link(shown, by_name, {w.name: w for w in work})
    months = services.month_keys(data["today"])
    volume_chart = charts.lines(
        "chart-months", _("最近 %(n)s 个月每月提交的办件", n=len(months)),
        _("按类别的每月提交数量，数值见下表。"), months,
        [charts.Series(pick(*k.label), [data["per_month"][k.name][m] for m in months]) for k in kinds],
        y_label=_("件数"))
    status_charts = {
        k.name: charts.hbars(
            f"chart-status-{k.name}", _("%(kind)s：按状态", kind=pick(*k.label)),
            _("各状态的%(kind)s数量，数值见下表。", kind=pick(*k.label)),
            [k.status_label(s) for s in k.statuses],
            [charts.Series(_("数量"), [data["by_status"][k.name].get(s, 0) for s in k.statuses])], width=380)
        for k in kinds}
    # one bar per row of the table below it (year and policy), the same amounts to the digit
    liability_chart = charts.hbars(
        "chart-liability", _("各年度资助兑现金额"), _("每年每项政策已批准的资助金额（元），数值见下表。"),
        [f"{r['year']} · {_rule_name(r['rule'])}" for r in data["liability"]],
        [charts.Series(_("金额（元）"), [r["amount_cny"] or 0 for r in data["liability"]])],
        axis_label=_("金额（元）")) if data["liability"] else None
    return render_template(
        "worklist/bureau.html", data=data, kinds=kinds, by_name=by_name, months=months,
        detail_url=detail_url, list_limit=LIST_LIMIT, quantity=quantity,
        work=work, kpi_chart=_kpi_chart(data["kpis"], data["kpi_year"]) if data["kpis"] else None,
        volume_chart=volume_chart, status_charts=status_charts, liability_chart=liability_chart,
        liability_offered=any(k.liability is not None for k in kinds),
        rule_name=_rule_name, standard=g.tenant.service_standard, due_soon_days=services.DUE_SOON_DAYS)


def _link(items: list[dict], kinds: dict, work: dict) -> None:
    """Each listed item's label and page: a filing's kind and detail page, other work's own
    (``hooks.work``)."""
    for i in items:
        if i["kind"] in kinds:
            i["label"], i["url"] = pick(*kinds[i["kind"]].label), detail_url(kinds[i["kind"]], i["id"])
        else:
            i["label"] = pick(*work[i["kind"]].label)
            i["url"] = i.get("url") or work[i["kind"]].url


def _rule_name(code: str) -> str:
    rule = next((r for r in g.tenant.rules if r.code == code), None)
    return pick(rule.name_zh, rule.name_en) if rule else code


@bp.route("/my")
@access("enterprise")
def mine():
    """我的办件 — the enterprise's filings of every kind, their status, next step and deadline."""
    page = page_number(request.args.get("page", 1))
    items, total = services.my_filings(g.tenant, current_user, page, PAGE_SIZE)
    by_name = {k.name: k for k in filing.kinds()}
    offers = [{"label": pick(*k.label), "url": url} for k in filing.kinds() if (url := new_url(k))]
    return render_template("worklist/mine.html", items=items, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), by_name=by_name, detail_url=detail_url,
                           offers=offers, enterprise=enterprise_of(current_user),
                           standard=g.tenant.service_standard)


# --- hooks ---------------------------------------------------------------------------------------------

def landing(user):
    """Bureau → its worklist; enterprise → 我的办件 (in the user's own tenant)."""
    if user.role == "bureau" and user.tenant_id:
        return url_for("worklist.bureau", tenant=user.tenant_id)
    if user.role == "enterprise" and user.tenant_id:
        return url_for("worklist.mine", tenant=user.tenant_id)
    return None


def nav_links():
    tenant = g.get("tenant")
    if tenant is None:
        return []
    links = []
    if current_user.is_authenticated and current_user.tenant_id == tenant.slug:
        if current_user.role == "bureau":
            links.append({"url": url_for("worklist.bureau"), "label": _("工作台")})
        elif current_user.role == "enterprise":
            links.append({"url": url_for("worklist.mine"), "label": _("我的办件")})
    links.append({"url": url_for("tenants.overview"), "label": _("地区概况")})
    return links
