"""The contract's shared vocabulary (roles, case types of the centers, statuses, rule kinds…) with Chinese and English labels.

Both labels are data here (not gettext) because ``GET /forms`` publishes both at once.
"""
from ipservice.core.i18n import pick

ROLES = {"enterprise": ("企业用户", "Enterprise"), "bureau": ("知识产权局", "IP office (bureau)"),
         "cross_admin": ("跨地区管理员", "Cross-district administrator")}

CASE_TYPES = {
    "pre_exam_filing": ("专利预审备案", "Patent pre-examination filing (entity registration)"),
    "pre_exam": ("专利预审", "Patent pre-examination"),
    "assistance": ("维权援助", "Rights-protection assistance"),
    "mediation": ("纠纷调解", "Dispute mediation"),
    "complaint": ("侵权举报投诉", "Infringement complaint"),
    "overseas": ("海外纠纷应对", "Overseas dispute response"),
    "determination": ("侵权判定咨询", "Infringement-determination opinion"),
}

STATUSES = {
    "submitted": ("已提交", "Submitted"),
    "pending": ("待审核", "Pending"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "verified": ("已核验", "Verified"),
    "accepted": ("已受理", "Accepted"),
    "declined": ("不予受理", "Declined"),
    "in_progress": ("办理中", "In progress"),
    "mediated": ("已调解", "Mediated"),
    "resolved": ("已处理", "Resolved"),
    "closed": ("已结案", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}

ORG_TYPES = {
    "enterprise": ("企业", "Enterprise"),
    "university": ("高等学校", "University"),
    "research_institute": ("科研组织", "Research institute"),
}


RULE_KINDS = {
    "grant": ("资助", "Grant"),
    "reward": ("奖励", "Reward"),
    "interest_subsidy": ("贴息", "Interest subsidy"),
    "guarantee_subsidy": ("担保补贴", "Guarantee subsidy"),
    "risk_compensation": ("风险补偿", "Risk compensation"),
    "support": ("支持", "Support"),
    "target": ("目标", "Target"),
}

DIRECTIONS = {"at_least": ("不低于", "At least"), "at_most": ("不高于", "At most"), "maintain": ("保持", "Maintain")}

TASK_STATUSES = {
    "not_started": ("未开始", "Not started"),
    "in_progress": ("进行中", "In progress"),
    "done": ("已完成", "Done"),
}


def choices(table: dict, keys=None) -> list[dict]:
    """``[{"value", "label_zh", "label_en"}]`` for a form, in the table's order (or ``keys``' order)."""
    keys = list(table) if keys is None else [k for k in keys if k in table]
    return [{"value": k, "label_zh": table[k][0], "label_en": table[k][1]} for k in keys]


def label(table: dict, key) -> str:
    pair = table.get(key)
    return pick(*pair) if pair else str(key)


def role_label(role):
    return label(ROLES, role)


def case_type_label(t):
    return label(CASE_TYPES, t)


def status_label(s):
    return label(STATUSES, s)


def rule_kind_label(kind):
    return label(RULE_KINDS, kind)


def task_status_label(status):
    return label(TASK_STATUSES, status)
