"""维权案件 — the protection-center case as a filing kind: what the one API and the one set of pages need."""
from flask import g
from flask_login import current_user

from ipservice.cases import config, imports, metrics, models, overview, schemas, services
from ipservice.core.i18n import pick
from ipservice.core.kind import N_, ApiSurface, Attachments, FilingKind, PageSurface, StateMachine


def _present(case, detail: bool):
    return services.case_dict(g.tenant, case, current_user, detail=detail)


def _export(fmt: str, user, filters: dict):
    return services.export(g.tenant, fmt, user, filters)


def declare() -> FilingKind:
    return FilingKind(
        name="case", model=models.Case, object_type="case", label=("维权案件", "Protection-center case"),
        statuses=models.STATUS_LABELS, pending=("submitted", *services.OPEN_STATES),
        service=services, refilable=("declined",), stats_key="cases",
        stats_totals=services.stats_totals,
        stats_by_tenant=services.stats_by_tenant, number_attr="number", due_attr="due_on",
        importer=imports.SPEC, metrics=metrics.METRICS, stats_schema=schemas.CaseCounts,
        totals_schema=schemas.CaseTotals, form_section=schemas.CaseFormSection, tenant_config=config.load,
        stats_charts=overview.closure_section,
        machine=StateMachine(moves=models.CASE_MOVES, body=schemas.TransitionIn, apply=services.move),
        attachments=Attachments(content_types=services.EVIDENCE_TYPES, attach=services.attach,
                                attachment=services.attachment, listing=services.attachment_list,
                                upload=schemas.UploadIn, what="evidence file"),
        api=ApiSurface(
            path="cases", id_arg="case_id", query=schemas.CaseQuery, out=schemas.CaseOut,
            list_out=schemas.CaseListOut, body=schemas.CaseBase, noun="cases", export=_export,
            present=_present, description="保护中心案件受理 — protection-center and rights-assistance cases",
            submit_text="The body is the tenant's case form (``GET /forms``): these base fields plus the "
                        "tenant's own fields at the top level. ``center`` may be left out when the tenant "
                        "has one center.",
            refusals={"submit": {422: "validation failed: a type or center the tenant does not offer, a "
                                      "right "
                                      "number with a bad check digit, 专利预审 without an accepted 备案 …"},
                      "move": {403: "not the caller's move (withdrawn: the applicant; all others: bureau)",
                               409: "not allowed from the current status; the message names the moves that "
                                    "are",
                               422: "declined, mediated and resolved need a note"},
                      "attach": {409: "the case is closed, declined or withdrawn", 413: "larger than 10 MB",
                                 415: "not a PDF, JPEG or PNG (checked by content)"}}),
        pages=PageSurface(
            partial="cases/_filing.html", initial=_one_center, bureau_filters={"sort": "due"},
            titles={"mine": N_("我的案件"), "queue": N_("案件受理"), "new": N_("提交维权案件"),
                    "detail": N_("案件 %(number)s"), "files": N_("证据材料"),
                    "upload": N_("上传证据（PDF、JPEG、PNG，不超过 %(mb)s MB）")},
            nav={"enterprise": N_("维权案件"), "bureau": N_("案件受理")}, empty=N_("暂无案件。"),
            flashes={"submitted": N_("案件已提交，案件编号：%(number)s。"),
                     "moved": N_("案件状态已变更为“%(status)s”。")},
            actions={"accepted": N_("受理"), "declined": N_("不予受理"), "in_progress": N_("开始办理"),
                     "mediated": N_("调解完成"), "resolved": N_("办理完毕"), "closed": N_("结案"),
                     "withdrawn": N_("撤回")},
            confirm={"withdrawn": N_("我确认撤回此案件。撤回后案件终止办理，不能恢复。")},
            filter_choices={
                "case_type": lambda: [(t, models.case_type_label(t)) for t in _config().case_types],
                "center": lambda: [(c.code, pick(c.name_zh, c.name_en)) for c in _config().centers]},
            helpers=lambda: {"case_info": lambda case, detail=True: services.case_dict(
                g.tenant, case, current_user, detail=detail)}))


def _config():
    return config.of(g.tenant)


def _one_center() -> dict:
    """A tenant with one center: the new case's center is chosen already."""
    centers = _config().centers
    return {"center": centers[0].code} if len(centers) == 1 else {}
