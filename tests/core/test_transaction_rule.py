"""The transaction rule (issue 19, item 3): only the edges that own a transaction commit or roll back.

In SQLAlchemy 2 ``rollback()`` ends the whole transaction: a service or a view that rolls back to recover
from a conflict throws away its caller's earlier work (an import's uncommitted rows, a request's
idempotency key). The test reads the syntax tree of every module of ``ipservice`` — not its text — and
finds every call of ``.commit()`` or ``.rollback()`` on anything (a session, a savepoint, a connection);
each must be inside one of the edges below, named by module and function.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ipservice"

# (module, function): the edges that own a transaction. A nested function is named with its parents.
EDGES = {
    ("ipservice/core/transaction.py", "_wrap.unit_of_work_view"),  # the request's unit of work
    ("ipservice/core/transaction.py", "_end"),
    ("ipservice/core/transaction.py", "unit_of_work"),  # a command's
    ("ipservice/core/idempotency.py", "idempotent.wrapper"),  # the idempotency reservation
    ("ipservice/core/idempotency.py", "once_per_form.wrapper"),
    ("ipservice/core/unavailable.py", "unavailable"),  # the database-unavailable handler
    ("ipservice/core/request_guard.py", "data_error"),  # the request guard
    ("ipservice/importing/engine.py", "Importer.end_chunk"),  # the import's chunk boundary
}
ENDING = {"commit", "rollback"}


def transaction_calls(source: str) -> list[tuple[str, int, str]]:
    """``[(enclosing function, line, method)]`` of every ``<anything>.commit()`` / ``.rollback()``."""
    found = []

    def visit(node, scope: tuple[str, ...]):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, (*scope, child.name))
                continue
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                    and child.func.attr in ENDING):
                found.append((".".join(scope) or "<module>", child.lineno, child.func.attr))
            visit(child, scope)

    visit(ast.parse(source), ())
    return found


def test_only_the_edges_commit_or_roll_back():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for function, line, method in transaction_calls(path.read_text(encoding="utf-8")):
            if (module, function) not in EDGES:
                offenders.append(f"{module}:{line}: {function} calls .{method}()")
    assert offenders == [], "\n".join(offenders)


def test_every_edge_still_exists():
    """An edge that no longer commits or rolls back is taken off the list (it must not stay a loophole)."""
    seen = {(path.relative_to(ROOT).as_posix(), function)
            for path in PACKAGE.rglob("*.py")
            for function, _line, _method in transaction_calls(path.read_text(encoding="utf-8"))}
    assert EDGES - seen == set()


def test_the_guard_sees_every_form_of_the_call():
    """What the guard catches, whatever the receiver and however deep the call is nested."""
    source = '''
def submit():
    try:
        flush()
    except IntegrityError:
        db.session.rollback()

class Service:
    def decide(self):
        def later():
            savepoint.commit()
        self.session.commit(); get_session().rollback()

conn.rollback()
'''
    assert transaction_calls(source) == [("submit", 6, "rollback"), ("Service.decide.later", 11, "commit"),
                                         ("Service.decide", 12, "commit"), ("Service.decide", 12, "rollback"),
                                         ("<module>", 14, "rollback")]


@pytest.mark.parametrize("code, kind", [(404, "NotFound"), (409, "Conflict"), (422, "Invalid"),
                                        (413, "Invalid"), (403, "Forbidden"), (503, "Unavailable")])
def test_a_refusal_is_raised_as_its_domain_type(code, kind):
    from ipservice.core import errors

    with pytest.raises(errors.Refusal) as exc:
        errors.error(code, "原因")
    assert type(exc.value) is getattr(errors, kind) and exc.value.status == code and exc.value.text == "原因"


def test_a_commands_refusal_is_its_error_and_leaves_nothing(app):
    """The command line's one mapping: the refusal's message, exit status 1, the command's writes rolled
    back."""
    import click
    from sqlalchemy import func, select

    from ipservice.accounts import services
    from ipservice.accounts.models import User
    from ipservice.core.errors import error
    from ipservice.core.tenancy import cross_tenant
    from ipservice.core.transaction import unit_of_work
    from ipservice.extensions import db

    with app.app_context(), cross_tenant("test: a refused command"):
        with pytest.raises(click.ClickException) as exc, unit_of_work():
            services.create_user("refused-command@example.gov.cn", "a-long-password", "cross_admin", None)
            db.session.flush()
            error(409, "已存在。")
        assert exc.value.exit_code == 1 and exc.value.message == "已存在。"
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
