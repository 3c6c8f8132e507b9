"""The contract's shared vocabulary (roles, rule kinds, organization types…) with Chinese and English labels;
the statuses each app's kinds and requests declare (``register_statuses``) and their lookup.

Both labels are data here (not gettext) because ``GET /forms`` publishes both at once.
"""
from ipservice.core.i18n import pick

ROLES = {"enterprise": ("企业用户", "Enterprise"), "bureau": ("知识产权局", "IP office (bureau)"),
         "cross_admin": ("跨地区管理员", "Cross-district administrator")}

# The words of a filing or request decided once, declared here once: the kinds and requests that use them
# name them in their own statuses (``FilingKind.statuses``, ``register_statuses``).
SUBMITTED = ("已提交", "Submitted")
APPROVED = ("已批准", "Approved")
REJECTED = ("已驳回", "Rejected")

STATUSES_KEY = "ipservice.statuses"

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

DIRECTIONS = {"at_least": ("不低于", "At least"), "at_most": ("不高于", "At most"),
              "maintain": ("保持", "Maintain")}

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


def register_statuses(app, statuses: dict[str, tuple[str, str]]) -> None:
    """Make ``statuses`` (status → (Chinese, English)) known to ``app``'s ``status_label``. A status two
    declarations share must carry the same label (one of the shared words above)."""
    known = app.extensions.setdefault(STATUSES_KEY, {})
    for status, pair in statuses.items():
        if known.setdefault(status, pair) != pair:
            raise RuntimeError(f"status {status!r} declared twice with different labels: "
                               f"{known[status]} and {pair}")


def statuses(app=None) -> dict[str, tuple[str, str]]:
    """Every status the app's kinds and requests declared, with its labels."""
    from flask import current_app

    return (app or current_app).extensions.get(STATUSES_KEY, {})


def status_label(s):
    return label(statuses(), s)


def rule_kind_label(kind):
    return label(RULE_KINDS, kind)


def task_status_label(status):
    return label(TASK_STATUSES, status)
