"""``flask calendar …``: the official working-day calendar the service ships and the years an operator
adds."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ipservice.core import calendar

calendar_cli = AppGroup("calendar", help="The official working-day calendar (holidays and 调休 workdays).")


@calendar_cli.command("add-year")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def add_year_cmd(file: Path):
    """Check FILE (one year, from the State Council's notice), install it, and recompute the deadlines
    that were estimated Monday–Friday. Exit code 2 when the file is refused (nothing is installed)."""
    from ipservice.cases.views import recompute_due_in_every_tenant

    try:
        data = calendar.install_year(file)
    except calendar.CalendarFileError as exc:
        click.echo(f"refused, nothing installed: {exc}", err=True)
        sys.exit(2)
    click.echo(f"installed {data.year} ({data.notice}): {len(data.holidays)} holidays, "
               f"{len(data.workdays)} workdays, into {calendar.instance_dir()}")
    recompute_due_in_every_tenant(click.echo)


@calendar_cli.command("list")
def list_cmd():
    """The years the calendar knows, and where each comes from (shipped or installed)."""
    for year, data in sorted(calendar.years().items()):
        where = "installed" if not Path(data.path).is_relative_to(calendar.SHIPPED_DIR) else "shipped"
        click.echo(f"{year}  {where:9}  {len(data.holidays):3} holidays  {len(data.workdays)} workdays  "
                   f"{data.notice}")
