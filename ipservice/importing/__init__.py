"""Bulk import of a bureau's spreadsheets: ``flask --app wsgi import <kind> --tenant SLUG --as EMAIL FILE``,
and
the same from a page (``/t/<slug>/imports``, ``POST /t/<slug>/api/v1/imports``) as a job.

The engine (``engine``) and the cell conversions (``cells``) are shared; each filing kind brings its
``ImportSpec`` (``FilingKind.importer``), so a kind that has one gets its command here without more code.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, ScriptInfo, with_appcontext

ORDER = 99


class _KindsGroup(AppGroup):
    """``flask import``: one subcommand per registered filing kind that has an import spec."""

    def _kinds(self, ctx):
        from ipservice.core import filing

        app = ctx.ensure_object(ScriptInfo).load_app()
        return {k.importer.command: k for k in filing.kinds(app) if k.importer is not None}

    def list_commands(self, ctx):
        return sorted(self._kinds(ctx))

    def get_command(self, ctx, name):
        kind = self._kinds(ctx).get(name)
        return _command(name, kind) if kind is not None else None


def _command(name, kind):
    from ipservice.importing.command import run_import
    from ipservice.importing.engine import LANGS

    @click.command(name, help=kind.importer.help)
    @click.option("--tenant", "tenant_slug", required=True, help="tenant slug")
    @click.option("--as", "email", required=True, help="the importing user: a bureau user of the tenant")
    @click.option("--report", "report", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                  default=None, help="also write the report as CSV (UTF-8 with BOM)")
    @click.option("--lang", type=click.Choice(list(LANGS)), default="zh", show_default=True,
                  help="language of the report and its messages")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @with_appcontext
    def run(tenant_slug, email, report, lang, file):
        click.get_current_context().exit(run_import(kind, tenant_slug, email, file, report, lang))

    return run


import_cli = _KindsGroup("import",
                         help="Bulk import of a bureau's spreadsheets, one command per filing kind.")


def init_app(app):
    from ipservice.core import hooks
    from ipservice.importing import jobs, views

    app.cli.add_command(import_cli)
    jobs.init_app(app)  # imports from a page run as jobs
    hooks.nav(app, views.nav)
