"""贯标认证备案 — the certification record as a filing kind: what the one API and the one set of pages
need."""
from ipservice.certification import imports, models, schemas, services
from ipservice.core.kind import N_, ApiSurface, Attachments, Decision, FilingKind, PageSurface


def declare() -> FilingKind:
    return FilingKind(
        name="certification", model=models.CertificationRecord, object_type=models.OBJECT_TYPE,
        label=("贯标认证备案", "IP-management certification record"),
        statuses=models.STATUS_LABELS, pending=("submitted",),
        service=services, stats_key="certifications", number_attr="number",
        importer=imports.SPEC, stats_schema=schemas.CertificationCounts,
        metrics={"certifications_verified": services.certifications_verified}, funded_through_filing=True,
        decision=Decision(outcomes=models.DECISIONS, body=schemas.CertificationDecisionIn,
                          apply=services.decide, reason_required_for=services.REASON_REQUIRED_FOR),
        attachments=Attachments(content_types=services.PDF_ONLY, attach=services.attach,
                                attachment=services.attachment, listing=services.attachment_list,
                                upload=schemas.CertificationUploadIn, what="certificate scan"),
        api=ApiSurface(
            path="certifications", id_arg="record_id", query=schemas.CertificationQuery,
            out=schemas.CertificationOut, body=schemas.CertificationBase, noun="records",
            export=services.export,
            description="贯标认证备案 — records of certification to the IP management standard",
            refusals={"submit": {409: "the certificate number is already recorded in the tenant",
                                 422: "validation failed"},
                      "decide": {409: "already decided"},
                      "attach": {409: "the record is decided", 413: "larger than 10 MB",
                                 415: "the content is not a PDF"}}),
        pages=PageSurface(
            partial="certification/_filing.html", upload_on_new=True,
            titles={"mine": N_("我的贯标备案"), "queue": N_("贯标审核"), "new": N_("新建贯标备案"),
                    "detail": N_("贯标认证备案 %(certificate_no)s"), "files": N_("证书扫描件"),
                    "upload": N_("上传证书扫描件（PDF，不超过 10 MB）"), "empty_mine": N_("还没有贯标备案。"),
                    "upload_on_new": N_("证书扫描件（PDF，不超过 10 MB；也可提交后在详情页上传）")},
            nav={"enterprise": N_("贯标备案"), "bureau": N_("贯标审核")},
            empty=N_("没有符合条件的贯标备案。"),
            flashes={"submitted": N_("贯标备案已提交。"), "decided": N_("审核结果已保存。")},
            actions={"verify": N_("核验通过"), "reject": N_("驳回")},
            values=lambda record: {"certificate_no": record.certificate_no},
            helpers=lambda: {"org_type_label": services.org_type_label, "estimate_of": services.estimate_of,
                             "attachments_of": services.attachments_of}))
