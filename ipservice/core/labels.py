"""The contract's vocabulary (roles, case types, statuses, IP types…) in the user's language."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {"enterprise": _l("企业用户"), "bureau": _l("知识产权局"), "cross_admin": _l("跨地区管理员")}

CASE_TYPE_LABELS = {
    "pre_exam_filing": _l("专利预审备案"),
    "pre_exam": _l("专利预审"),
    "assistance": _l("维权援助"),
    "mediation": _l("纠纷调解"),
    "complaint": _l("侵权举报投诉"),
    "overseas": _l("海外纠纷应对"),
    "determination": _l("侵权判定咨询"),
}

IP_TYPE_LABELS = {
    "patent": _l("专利"),
    "trademark": _l("商标"),
    "copyright": _l("著作权"),
    "geo_indication": _l("地理标志"),
    "plant_variety": _l("植物新品种"),
}

STATUS_LABELS = {
    "submitted": _l("已提交"),
    "approved": _l("已批准"),
    "rejected": _l("已驳回"),
    "verified": _l("已核验"),
    "accepted": _l("已受理"),
    "declined": _l("不予受理"),
    "in_progress": _l("办理中"),
    "mediated": _l("已调解"),
    "resolved": _l("已处理"),
    "closed": _l("已结案"),
    "withdrawn": _l("已撤回"),
}

CUSTODY_SERVICE_LABELS = {
    "info_use": _l("信息利用"),
    "patent_filing": _l("专利申请"),
    "system_building": _l("制度建设"),
    "patent_operation": _l("专利运营"),
    "patent_management": _l("专利管理"),
    "training": _l("人才培训"),
}


def label(table: dict, key) -> str:
    value = table.get(key)
    return str(value) if value is not None else str(key)


def role_label(role):
    return label(ROLE_LABELS, role)


def case_type_label(t):
    return label(CASE_TYPE_LABELS, t)


def status_label(s):
    return label(STATUS_LABELS, s)


def ip_type_label(t):
    return label(IP_TYPE_LABELS, t)
