"""保护中心 / 维权援助 案件受理 — protection-center and rights-assistance cases: intake on the tenant's form,
gap-free numbering per tenant and year, the state machine with its history, time limits in working days of
the official calendar, the bureau's queue and exports, and the computed KPIs."""
