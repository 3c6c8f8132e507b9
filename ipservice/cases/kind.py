"""维权案件 — the protection-center case as a filing kind: what the one API and the one set of pages need."""
from flask import g
from flask_login import current_user

from ipservice.cases import config, imports, metrics, models, overview, schemas, services
from ipservice.core.kind import ApiSurface, Attachments, FilingKind, StateMachine


def _present(case, detail: bool):
    return services.case_dict(g.tenant, case, current_user, detail=detail)


def _export(fmt: str, user, filters: dict):
    return services.export(g.tenant, fmt, user, filters)


def declare() -> FilingKind:
    return FilingKind(
        name="case", model=models.Case, object_type="case", label=("维权案件", "Protection-center case"),
        statuses=models.STATUS_LABELS, pending=("submitted", *services.OPEN_STATES),
        service=services, list_endpoint="cases.index", detail_endpoint="cases.detail", detail_arg="case_id",
        new_endpoint="cases.new", refilable=("declined",), stats_key="cases",
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
                                 415: "not a PDF, JPEG or PNG (checked by content)"}}))
