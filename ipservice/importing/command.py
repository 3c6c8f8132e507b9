"""The import command's work: open the workbook, check the user and the columns, run the rows through
the ``Importer`` chunk by chunk, and write the report (the screen, and ``--report`` as CSV)."""
from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from ipservice.core.tenancy import tenant_context
from ipservice.importing import engine, workbook
from ipservice.importing.cells import joiner
from ipservice.importing.engine import Importer
from ipservice.importing.outcome import Outcome
from ipservice.importing.sheet import Sheet


def _usage(message: str):
    raise click.UsageError(message)


def _check_user(tenant, email: str):
    from ipservice.accounts import services as accounts
    from ipservice.core.i18n import pick

    user = accounts.find_user(email)  # among the tenant's accounts (row-level security on PostgreSQL)
    if user is None and accounts.lookup_login(email) is None:
        _usage(_("未找到用户 %(email)s。", email=email))
    if user is None or user.role != "bureau" or user.tenant_id != tenant.slug or not user.active:
        _usage(_("%(email)s 不是%(tenant)s知识产权局的有效用户，不能导入。",
                 email=accounts.normalize_email(email), tenant=pick(tenant.name_zh, tenant.name_en)))
    return user


def _open(path: Path) -> Sheet:
    try:
        return workbook.open_sheet(path, str(path))
    except workbook.Unreadable as exc:
        _usage(exc.message)


def write_csv(path: Path, outcomes: list[Outcome]) -> None:
    from ipservice.core.exports import safe_cell

    headers, rows = workbook.report_table(outcomes)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row_no, result, detail in rows:
            writer.writerow([row_no, result, safe_cell(detail)])


def run_import(kind, tenant_slug: str, email: str, path: Path, report: Path | None, lang: str) -> int:
    """The command's work; returns the exit code (usage errors raise ``click.UsageError``)."""
    from ipservice.tenants import registry

    stderr = click.get_text_stream("stderr")
    with force_locale(engine.LANGS[lang]):
        tenant = registry.get(tenant_slug)
        if tenant is None:
            _usage(_("未知的地区“%(slug)s”，可选：%(choices)s。", slug=tenant_slug,
                     choices=", ".join(t.slug for t in registry.identities())))
        with tenant_context(tenant_slug):
            user = _check_user(tenant, email)
            sheet = _open(path)
            try:
                importer = Importer(kind, tenant, user, path.name)
                try:
                    layout = workbook.Layout(importer, sheet)
                except workbook.Unreadable as exc:
                    _usage(exc.message)
                importer.end_chunk()  # the look-ups above only read: the first chunk begins afresh
                if layout.ignored:
                    click.echo(_("忽略的列：%(columns)s", columns=joiner().join(layout.ignored)), err=True)
                header, mapping, data = layout.header, layout.mapping, layout.data()
                outcomes = []
                with click.progressbar(data, length=max(sheet.size_hint - header - 1, 0), label=_("导入中"),
                                       file=stderr, show_pos=True) as bar:
                    for chunk in workbook.chunks(bar):
                        outcomes += importer.run_chunk(chunk, mapping)
            finally:
                sheet.close()
        lines = _report_lines(outcomes)
        while batch := list(itertools.islice(lines, 1000)):  # not one string of the whole report
            click.echo("\n".join(batch))
        counts = {k: sum(o.result == k for o in outcomes) for k in ("ok", "skipped", "error")}
        click.echo(_("%(total)s 行：导入 %(ok)s，跳过 %(skipped)s，错误 %(failed)s", total=len(outcomes),
                     ok=counts["ok"], skipped=counts["skipped"], failed=counts["error"]))
        if report is not None:
            write_csv(report, outcomes)
            click.echo(_("报告已写入 %(file)s", file=str(report)), err=True)
    return 1 if counts["error"] else 0


def _report_lines(outcomes: list[Outcome]) -> Iterator[str]:
    """``Outcome.lines`` of every row; an imported row's line from the template translated once (a ledger
    is mostly imported rows, and a translation lookup per row cost more than the row's own insert)."""
    template, ok = _("第 %(row)s 行：%(result)s"), _("导入成功")
    for o in outcomes:
        if o.result == "ok":
            yield template % {"row": o.row, "result": ok}
        else:
            yield from o.lines()
