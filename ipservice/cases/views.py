"""Case pages beside the one set of filing pages (``core/filing_pages.py``: ``/t/<t>/cases/``): the header
links (in a tenant whose centers take cases), the old export URL redirecting, and the deadline command."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ipservice.cases import config, services
from ipservice.core import filing, filing_pages

bp = Blueprint("cases", __name__, template_folder="templates")
filing_pages.redirects(bp, {"/t/<tenant>/cases.<fmt>": "pages_case.export"})


def nav_links():
    """维权案件 (enterprise) / 案件受理 (bureau), in a tenant whose centers take cases."""
    from ipservice.tenants import TenantUnavailable, registry

    if not current_user.is_authenticated:
        return []
    try:
        tenant = registry.get(current_user.tenant_id)
    except TenantUnavailable:  # the page saying so is drawn without the district's links
        return []
    return filing_pages.nav_links(filing.kind("case"), tenant) if tenant and config.of(tenant).centers else []


@bp.cli.command("recompute-due")
def recompute_due_cmd():
    """Recompute the deadlines estimated Monday–Friday once the official calendar covers their year."""
    import click

    recompute_due_in_every_tenant(click.echo)


def recompute_due_in_every_tenant(echo) -> int:
    """``recompute_estimated_due_dates`` in each tenant in turn (also run by ``flask calendar add-year``)."""
    from ipservice.core import calendar
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.transaction import unit_of_work
    from ipservice.tenants import registry

    bounds = calendar.covered_years()
    echo(f"the official calendar covers {bounds[0]}–{bounds[1]}" if bounds else "the official calendar is "
                                                                                "empty")
    total = 0
    for tenant in registry.all():  # the command line works across tenants, one tenant at a time
        with tenant_context(tenant.slug), unit_of_work():
            changed = services.recompute_estimated_due_dates(tenant)
            echo(f"  {tenant.slug}: {changed} case(s) recomputed")
            total += changed
    return total
