"""``flask --app wsgi …`` commands. The command line works across tenants and says so explicitly."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ipservice.accounts.demo import demo_uscc
from ipservice.core import hooks
from ipservice.core.tenancy import cross_tenant, tenant_context
from ipservice.core.transaction import unit_of_work

users_cli = AppGroup("users", help="Manage user accounts.")

DEMO_PASSWORD = "demo-pass-2026"


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["enterprise", "bureau", "cross_admin"]), required=True)
@click.option("--tenant", "tenant_slug", default=None, help="tenant slug (not for cross_admin)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="", help="display name")
def create_user_cmd(email, role, tenant_slug, password, name):
    """Create a user (an enterprise user also needs its enterprise: use the registration page)."""
    from ipservice.accounts import services
    from ipservice.tenants import registry

    if role == "cross_admin" and tenant_slug:
        raise click.UsageError("a cross_admin belongs to no tenant")
    if role != "cross_admin" and (not tenant_slug or registry.get(tenant_slug) is None):
        raise click.UsageError(f"--tenant must be one of: {', '.join(t.slug for t in registry.identities())}")
    from ipservice.accounts.passwords import problems

    refused = problems(password, email)
    if refused:
        raise click.UsageError(" ".join(refused))
    with cross_tenant("command line: users create"), unit_of_work():
        if services.find_user(email):
            raise click.ClickException(f"{email} exists already")
        user = services.create_user(email, password, role, tenant_slug, name)
        created = f"created {user.role} {user.email}"  # read before the commit: then RLS hides the row
    click.echo(created + (f" in {tenant_slug}" if tenant_slug else ""))


@users_cli.command("set-role")
@click.argument("email")
@click.option("--role", type=click.Choice(["bureau", "cross_admin"]), required=True)
@click.option("--tenant", "tenant_slug", default=None, help="tenant slug (for bureau)")
def set_role_cmd(email, role, tenant_slug):
    """Change a bureau/cross_admin account's role or tenant (audited; the user signs in again)."""
    from ipservice.accounts import services
    from ipservice.tenants import registry

    if role == "bureau" and (not tenant_slug or registry.get(tenant_slug) is None):
        raise click.UsageError(f"--tenant must be one of: {', '.join(t.slug for t in registry.identities())}")
    with cross_tenant("command line: users set-role"), unit_of_work():
        user = services.find_user(email)
        if user is None:
            raise click.ClickException(f"no user {email}")
        try:
            services.change_role(user, role, tenant_slug if role == "bureau" else None)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    where = f" in {tenant_slug}" if role == "bureau" else ""
    click.echo(f"{services.normalize_email(email)} is now {role}{where}")


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
    with cross_tenant("command line: demo accounts"), unit_of_work():
        if services.find_user("admin@demo.ipservice") is None:
            services.create_user("admin@demo.ipservice", DEMO_PASSWORD, "cross_admin", None, "跨地区管理员")
    lines.append(("cross_admin", "—", "admin@demo.ipservice"))
    for tenant in registry.all():
        with tenant_context(tenant.slug), unit_of_work():  # one tenant's demo data: all or nothing
            users = {}
            email = f"bureau@{tenant.slug}.demo.ipservice"
            users["bureau"] = services.find_user(email) or services.create_user(
                email, DEMO_PASSWORD, "bureau", tenant.slug, tenant.bureau_zh)
            lines.append(("bureau", tenant.slug, email))
            for n, (_label, code) in enumerate(_demo_enterprises(tenant.slug), start=1):
                email = f"enterprise{n}@{tenant.slug}.demo.ipservice"
                if services.find_user(email) is None:
                    services.register_enterprise(tenant.slug, {
                        "name": f"{tenant.name_zh}示范科技有限公司{n}号", "uscc": code, "email": email,
                        "password": DEMO_PASSWORD, "contact_name": "张三", "contact_phone": "13800000000",
                    }, verified=True)  # demo addresses receive nothing: nothing to verify
                users[f"enterprise{n}"] = services.find_user(email)
                lines.append(("enterprise", tenant.slug, email))
            for loader in hooks.of().demo_loaders:
                loader(tenant, users)
            db.session.flush()
            assert db.session.query(Enterprise).count() >= 2
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, slug, email in lines:
        click.echo(f"  {role:<11} {slug:<15} {email}")


@click.command("create-app-role")
@click.argument("role", default="ipservice_app")
@click.option("--password", default=None, envvar="IPSERVICE_DB_APP_PASSWORD",
              help="make it a login role with this password (for connecting as it directly)")
def create_app_role_cmd(role, password):
    """Create or update the unprivileged PostgreSQL role the app runs as (run as the owner, after upgrade)."""
    from ipservice.core.dbroles import create_app_role
    from ipservice.extensions import db

    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("create-app-role is for PostgreSQL; SQLite has no roles")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            statements = create_app_role(conn, role, password)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    for sql in statements:
        click.echo(sql)
    click.echo(f"role {role} ready; set IPSERVICE_DB_APP_ROLE={role} (or connect as it)")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="threads running jobs")
def worker_cmd(workers):
    """Run the job consumer (notifications, digests): deploy it beside gunicorn; stop with Ctrl-C/SIGTERM."""
    from flask import current_app

    from ipservice.core import jobs

    app = current_app._get_current_object()
    # catch up at once: what a killed worker or a lost job left undone is queued again
    jobs.run_periodic(app, catch_up_only=True)
    jobs.consumer(app, workers).run()


tenants_cli = AppGroup("tenants", help="Tenant folders.")


@tenants_cli.command("check")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="language of the report")
def tenants_check_cmd(lang):
    """Load and validate every tenant folder in full (as its first request would); exit 1 naming each
    broken file and field. Run before a deployment: the service itself reads a folder in full only when
    its district is first asked for."""
    from flask import current_app
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from ipservice.core import filing
    from ipservice.tenants import loader, store

    root = current_app.config["TENANTS_DIR"]
    with force_locale({"zh": "zh_CN", "en": "en"}[lang]):
        try:
            found = loader.folders(root)
        except (loader.TenantConfigError, OSError) as exc:
            raise click.ClickException(_("地区配置目录无法读取：%(error)s", error=exc)) from exc
        broken = []
        for folder in found:
            try:
                store.read_identity(folder)
                loader.load_tenant(folder, filing.kinds())
            except loader.TenantConfigError as exc:
                broken.append(str(exc))
                click.echo(_("有误：%(error)s", error=exc), err=True)
        if broken:
            click.echo(_("%(root)s：%(count)d 个地区中 %(broken)d 个的配置有误。", root=root,
                         count=len(found), broken=len(broken)), err=True)
            raise SystemExit(1)
        click.echo(_("%(root)s：%(count)d 个地区的配置均无误。", root=root, count=len(found)))


def register(app: Flask) -> None:
    from flask_migrate.cli import db as db_group

    if "create-app-role" not in db_group.commands:
        db_group.add_command(create_app_role_cmd)
    app.cli.add_command(users_cli)
    app.cli.add_command(tenants_cli)
    app.cli.add_command(demo_cmd)
    app.cli.add_command(worker_cmd)
