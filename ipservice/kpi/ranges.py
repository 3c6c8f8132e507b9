"""The values a reported indicator can take, set by its unit (issue 20): a count of organizations,
patents, items … is a whole number, never negative; a percentage is a share from 0 to 100 unless the row is
a change (增长率, 增幅: ``value_range = "change"`` in its file), which may fall to −100 % and exceed 100 %;
a count per head or a yearly average (``value_range = "ratio"``) need not be whole; a score (分) is 0–100;
every other amount (亿元, 万件, 平米 …) is at least 0."""
from __future__ import annotations

from flask_babel import gettext as _

from ipservice.core.errors import error
from ipservice.core.i18n import pick

COUNT_UNITS = frozenset({"家", "件", "个", "项", "场次", "单"})  # counted one by one
HUNDRED_UNITS = frozenset({"%", "分"})  # a share in per cent, a score out of 100
TOP = 1e12  # the largest amount any table publishes is far below this


def value_range(ind) -> tuple[float, float, bool]:
    """``(lowest, highest, whole numbers only)`` for the indicator's actuals."""
    if ind.value_range == "change":
        return -100.0, TOP, False
    if ind.unit in HUNDRED_UNITS:
        return 0.0, 100.0, False
    return 0.0, TOP, ind.unit in COUNT_UNITS and ind.value_range != "ratio"


def check_value(ind, value: float) -> None:
    """Refuse (422, on ``value``) an actual outside the indicator's range, in words a bureau reads."""
    low, high, whole = value_range(ind)
    unit = pick(ind.unit, ind.unit_en or ind.unit)
    if whole and (value < 0 or value != int(value)):
        message = _("该指标按“%(unit)s”计数，请填写不小于 0 的整数。", unit=unit)
    elif ind.unit == "%" and low < 0 and value < low:
        message = _("增长率或增幅最低为 -100（即全部减少）。")
    elif high == 100.0 and not 0 <= value <= 100:
        message = _("该指标为百分比或百分制分数，请填写 0 到 100 之间的数。")
    elif not low <= value <= high:
        message = _("请填写不小于 0 的数（不超过一万亿）。")
    else:
        return
    error(422, message, {"value": [message]})
