"""贯标认证备案 — the certification record as a filing kind: what the one API and the one set of pages
need."""
from ipservice.certification import imports, models, schemas, services
from ipservice.core.kind import ApiSurface, Attachments, Decision, FilingKind


def declare() -> FilingKind:
    return FilingKind(
        name="certification", model=models.CertificationRecord, object_type=models.OBJECT_TYPE,
        label=("贯标认证备案", "IP-management certification record"),
        statuses=models.STATUS_LABELS, pending=("submitted",),
        service=services, list_endpoint="certification.index", detail_endpoint="certification.detail",
        detail_arg="record_id", stats_key="certifications", number_attr="number",
        new_endpoint="certification.new", importer=imports.SPEC, stats_schema=schemas.CertificationCounts,
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
                                 415: "the content is not a PDF"}}))
