"""``flask --app wsgi …`` commands. The command line works across tenants and says so explicitly."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ipservice.calendar_cli import calendar_cli
from ipservice.core.tenancy import cross_tenant, tenant_context

users_cli = AppGroup("users", help="Manage user accounts.")

DEMO_PASSWORD = "demo-pass-2026"
# Hooks that areas register to add their demo data for one tenant: fn(tenant, users: dict).
DEMO_LOADERS: list = []


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["enterprise", "bureau", "cross_admin"]), required=True)
@click.option("--tenant", "tenant_slug", default=None, help="tenant slug (not for cross_admin)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="", help="display name")
def create_user_cmd(email, role, tenant_slug, password, name):
    """Create a user (an enterprise user also needs its enterprise: use the registration page)."""
    from ipservice.accounts import services
    from ipservice.extensions import db
    from ipservice.tenants import registry

    if role == "cross_admin" and tenant_slug:
        raise click.UsageError("a cross_admin belongs to no tenant")
    if role != "cross_admin":
        if not tenant_slug or registry.get(tenant_slug) is None:
            raise click.UsageError(f"--tenant must be one of: {', '.join(t.slug for t in registry.all())}")
    if len(password) < 8:
        raise click.UsageError("the password needs at least 8 characters")
    with cross_tenant("command line: users create"):
        if services.find_user(email):
            raise click.ClickException(f"{email} exists already")
        user = services.create_user(email, password, role, tenant_slug, name)
        db.session.commit()
    click.echo(f"created {user.role} {user.email}" + (f" in {tenant_slug}" if tenant_slug else ""))


def demo_uscc(slug: str, series: str, n: int) -> str:
    """A valid USCC for demo data, stable per tenant, series and number. The region digits are 0000xx:
    demo organizations claim no real district (the check character comes from python-stdnum)."""
    from stdnum.cn import uscc

    body = f"910000{sum(map(ord, slug)) % 100:02d}{series}{n:07d}"
    return body + uscc.calc_check_digit(body)


def _demo_enterprises(slug):
    """Two demo enterprises per tenant (stable across runs)."""
    return [(f"{slug}-demo-{i}", demo_uscc(slug, "MA", i)) for i in (1, 2)]


@click.command("demo")
def demo_cmd():
    """Load demo accounts and filings into every tenant and print the logins."""
    from ipservice.accounts import services
    from ipservice.accounts.models import Enterprise
    from ipservice.extensions import db
    from ipservice.tenants import registry

    lines = []
    with cross_tenant("command line: demo accounts"):
        if services.find_user("admin@demo.ipservice") is None:
            services.create_user("admin@demo.ipservice", DEMO_PASSWORD, "cross_admin", None, "跨地区管理员")
            db.session.commit()
    lines.append(("cross_admin", "—", "admin@demo.ipservice"))
    for tenant in registry.all():
        with tenant_context(tenant.slug):
            users = {}
            email = f"bureau@{tenant.slug}.demo.ipservice"
            users["bureau"] = services.find_user(email) or services.create_user(
                email, DEMO_PASSWORD, "bureau", tenant.slug, tenant.bureau_zh)
            db.session.commit()
            lines.append(("bureau", tenant.slug, email))
            for n, (label, code) in enumerate(_demo_enterprises(tenant.slug), start=1):
                email = f"enterprise{n}@{tenant.slug}.demo.ipservice"
                if services.find_user(email) is None:
                    services.register_enterprise(tenant.slug, {
                        "name": f"{tenant.name_zh}示范科技有限公司{n}号", "uscc": code, "email": email,
                        "password": DEMO_PASSWORD, "contact_name": "张三", "contact_phone": "13800000000",
                    })
                users[f"enterprise{n}"] = services.find_user(email)
                lines.append(("enterprise", tenant.slug, email))
            for loader in DEMO_LOADERS:
                loader(tenant, users)
            db.session.commit()
            assert db.session.query(Enterprise).count() >= 2
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, slug, email in lines:
        click.echo(f"  {role:<11} {slug:<15} {email}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cmd)
    app.cli.add_command(calendar_cli)
    try:
        from ipservice.imports import import_cli
    except ModuleNotFoundError:
        return
    app.cli.add_command(import_cli)
