"""托管申请 — the custody enrollment as a filing kind: what the one API and the one set of pages need."""
from ipservice.core.kind import N_, ApiSurface, Decision, FilingKind, PageSurface
from ipservice.custody import imports, models, schemas, services


def _agency_choice(specs: list[dict]) -> list[dict]:
    """The agency is a choice among the tenant's approved agencies."""
    for spec in specs:
        if spec["name"] == "agency_id":
            spec["type"] = "choice"
            spec["choices"] = [{"value": a.id, "label": a.name, "label_zh": a.name, "label_en": a.name}
                               for a in services.list_agencies()]
    return specs


def declare() -> FilingKind:
    return FilingKind(
        name="custody", model=models.CustodyEnrollment, object_type=services.OBJECT,
        label=("托管申请", "Custody enrollment"),
        statuses=schemas.STATUS_LABELS, pending=("submitted",),
        service=services, number_attr="number", importer=imports.SPEC,
        stats_schema=schemas.CustodyCounts,
        metrics={"custody_enrollments_approved": services.approved_enterprises},
        form_section=schemas.CustodyFormSection, funded_through_filing=True,
        decision=Decision(outcomes=schemas.DECISIONS, body=schemas.CustodyDecisionIn, apply=services.decide),
        api=ApiSurface(
            path="custody-enrollments", id_arg="enrollment_id", query=schemas.CustodyEnrollmentQuery,
            out=schemas.CustodyEnrollmentOut, body=schemas.CustodyEnrollmentBase, noun="enrollments",
            export=services.export,
            description="中小微企业知识产权托管 — custody enrollment of small and micro enterprises",
            refusals={"submit": {409: "an enrollment for an overlapping period is submitted or approved",
                                 422: "validation failed, or the agency is unknown or not approved"},
                      "decide": {409: "decided already"}}),
        pages=PageSurface(
            partial="custody/_filing.html", fields=_agency_choice,
            titles={"mine": N_("我的托管申请"), "queue": N_("托管审核"), "new": N_("新建托管申请"),
                    "detail": N_("托管申请"), "empty_mine": N_("尚无托管申请。")},
            nav={"enterprise": N_("托管申请"), "bureau": N_("托管审核")},
            empty=N_("没有符合条件的托管申请。"),
            flashes={"submitted": N_("托管申请已提交，请等待知识产权局审核。"),
                     "approved": N_("已批准该托管申请。"), "rejected": N_("已驳回该托管申请。")},
            actions={"approve": N_("批准"), "reject": N_("驳回")},
            helpers=lambda: {"services_text": services.services_text, "scale_text": services.scale_text,
                             "tenant_fields": services.tenant_fields}))
