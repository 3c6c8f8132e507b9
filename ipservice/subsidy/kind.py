"""资助申请 — the subsidy application as a filing kind: what the one API and the one set of pages need."""
from ipservice.core.i18n import pick
from ipservice.core.kind import N_, ApiSurface, Attachments, Decision, FilingKind, PageSurface
from ipservice.core.tenancy import current_tenant
from ipservice.subsidy import config, exports, imports, models, schemas, services, views

# what an application's body is (the submit and the estimate say it)
BODY_TEXT = ("The body is the form of the rule it names (``GET /subsidy-rules``: ``form.fields``): the "
             "base fields the rule needs plus the tenant's and the rule's own fields at the top level.")


def declare() -> FilingKind:
    return FilingKind(
        name="subsidy", model=models.SubsidyApplication, object_type=models.OBJECT_TYPE,
        label=("资助申请", "Subsidy application"),
        statuses=models.STATUS_LABELS, pending=("submitted",),
        service=services, new_endpoint="subsidy.rules", stats_key="subsidies",
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
                                 415: "the content is not a PDF, JPEG or PNG"}}),
        pages=PageSurface(
            partial="subsidy/_filing.html", form=views.rule_form, preview=services.estimate,
            fields=lambda specs: [f for f in specs if f["name"] != "rule"],
            titles={"mine": N_("我的资助申请"), "queue": N_("资助审核"), "new": N_("申请资助"),
                    "detail": N_("资助申请 %(number)s"), "files": N_("申请材料"),
                    "preview": N_("估算资助金额"),
                    "empty_mine": N_("还没有资助申请。")},
            nav={"enterprise": N_("资助申请"), "bureau": N_("资助审核")},
            empty=N_("没有符合条件的资助申请。"),
            flashes={"submitted": N_("资助申请已提交，申请编号 %(number)s。"),
                     "approved": N_("已批准，核定金额 %(amount)s 元。"),
                     "rejected": N_("已驳回该资助申请。")},
            actions={"approve": N_("批准"), "reject": N_("驳回")},
            values=lambda app: {"amount": f"{app.granted_cny:,}" if app.granted_cny is not None else ""},
            notices=lambda app: [app.warning] if app.warning else [],
            slots=lambda app: [(e["code"], e["label"]) for e in services.evidence_status(app)],
            filter_choices={"rule": lambda: [(c["value"], pick(c["label_zh"], c["label_en"]))
                                             for c in schemas.rule_choices(current_tenant())]},
            helpers=views.page_helpers))
