"""资助申请 — the subsidy application as a filing kind: what the one API and the one set of pages need."""
from ipservice.core.kind import ApiSurface, Attachments, Decision, FilingKind
from ipservice.subsidy import config, exports, imports, models, schemas, services

# what an application's body is (the submit and the estimate say it)
BODY_TEXT = ("The body is the form of the rule it names (``GET /subsidy-rules``: ``form.fields``): the "
             "base fields the rule needs plus the tenant's and the rule's own fields at the top level.")


def declare() -> FilingKind:
    return FilingKind(
        name="subsidy", model=models.SubsidyApplication, object_type=models.OBJECT_TYPE,
        label=("资助申请", "Subsidy application"),
        statuses=models.STATUS_LABELS, pending=("submitted",),
        service=services, list_endpoint="subsidy.index", detail_endpoint="subsidy.detail",
        detail_arg="application_id", new_endpoint="subsidy.rules", stats_key="subsidies",
        number_attr="number", importer=imports.SPEC, stats_extra=services.stats_extra,
        stats_extra_schema=schemas.SubsidyLiabilityReportOut, stats_by_tenant=services.stats_by_tenant,
        stats_schema=schemas.SubsidyCounts, tenant_config=config.load,
        decision=Decision(outcomes=models.DECISIONS, body=schemas.SubsidyDecisionIn, apply=services.decide,
                          answer=schemas.SubsidyDecisionOut),
        attachments=Attachments(content_types=services.EVIDENCE_TYPES, attach=services.attach,
                                attachment=services.attachment, listing=services.attachment_list,
                                upload=schemas.SubsidyUploadIn, slot_field="document", what="evidence file"),
        api=ApiSurface(
            path="subsidy-applications", id_arg="application_id", query=schemas.SubsidyApplicationQuery,
            out=schemas.SubsidyApplicationOut, body=schemas.SubsidyApplicationBase, noun="applications",
            export=exports.export,
            description="资助/奖励申请 — subsidy applications under the district's funded policy rules",
            submit_text=BODY_TEXT,
            refusals={"submit": {409: "an object of the application (patent, award certificate, loan…) is "
                                      "claimed already under the rule in the tenant",
                                 422: "validation failed; the rule was not in force on basis_date, or does "
                                      "not fund this kind of organization"},
                      "decide": {409: "decided already, or the grant would take a budget line set to refuse "
                                      "(``over = \"refuse\"``) over its amount",
                                 422: "a rejection without a reason, an amount above the estimate, or no "
                                      "amount where the policy sets none"},
                      "attach": {409: "the application is decided", 413: "larger than the upload limit",
                                 415: "the content is not a PDF, JPEG or PNG"}}))
