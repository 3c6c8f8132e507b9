"""The outcome of a row, as the report shows it, and the errors a row collects on its way."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ipservice.importing.cells import joiner


@dataclass(slots=True)
class Outcome:
    """One row's result, kept until the report is written: small (slots, no list of its own when the row
    has no errors), so that a ledger of 100 000 rows does not grow the import's memory by much."""

    row: int
    result: str                                # "ok", "skipped", "error"
    detail: str = ""                           # why skipped
    errors: list[tuple[str, str]] | tuple = ()  # (column label, message)

    def result_text(self) -> str:
        return {"ok": _("导入成功"), "skipped": _("跳过"), "error": _("错误")}[self.result]

    def detail_text(self) -> str:
        if self.result == "skipped":
            return self.detail
        if self.result == "error":
            return ("；" if joiner() == "、" else "; ").join(
                _("%(field)s：%(message)s", field=f, message=m) if f else m for f, m in self.errors)
        return ""

    def lines(self) -> list[str]:
        if self.result == "ok":
            return [_("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())]
        if self.result == "skipped":
            return [_("第 %(row)s 行：跳过（%(reason)s）", row=self.row, reason=self.detail)]
        head = _("第 %(row)s 行：%(result)s", row=self.row, result=self.result_text())
        return [head] + ["    " + (_("%(field)s：%(message)s", field=f, message=m) if f else m)
                         for f, m in self.errors]


class RowErrors(Exception):
    def __init__(self, errors: dict):
        super().__init__("row errors")
        self.errors = errors


def flatten(messages) -> list[str]:
    from ipservice.core.i18n import localize_errors

    messages = localize_errors(messages)
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in flatten(value)]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in flatten(value)]
    return [str(messages)]
