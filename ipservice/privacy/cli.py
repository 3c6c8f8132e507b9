"""``flask --app wsgi retention run [--dry-run]``: every tenant's retention rules, one transaction each."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("retention", help="保存期限 — retention of personal data by rule")
def retention_group():
    pass


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="print what would be deleted, delete nothing")
@with_appcontext
def run_cmd(dry_run):
    from ipservice.core.tenancy import tenant_context
    from ipservice.core.transaction import unit_of_work
    from ipservice.privacy import retention
    from ipservice.tenants import registry

    total = 0
    for tenant in registry.all():
        with tenant_context(tenant.slug), unit_of_work():
            for item in retention.run(dry_run=dry_run):
                total += 1
                extra = f" attachment {item['attachment_id']}" if "attachment_id" in item else ""
                click.echo(f"{tenant.slug}\t{item['rule']}\t{item['object_type']} {item['object_id']}{extra}")
    click.echo(f"{'would delete' if dry_run else 'deleted'}: {total}")
