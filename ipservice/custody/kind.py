"""托管申请 — the custody enrollment as a filing kind: what the one API and the one set of pages need."""
from ipservice.core.kind import ApiSurface, Decision, FilingKind
from ipservice.custody import imports, models, schemas, services


def declare() -> FilingKind:
    return FilingKind(
        name="custody", model=models.CustodyEnrollment, object_type=services.OBJECT,
        label=("托管申请", "Custody enrollment"),
        statuses=schemas.STATUS_LABELS, pending=("submitted",),
        service=services, list_endpoint="custody.queue", detail_endpoint="custody.detail",
        detail_arg="enrollment_id", number_attr="number", new_endpoint="custody.new", importer=imports.SPEC,
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
                      "decide": {409: "decided already"}}))
