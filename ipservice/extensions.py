"""Extensions, created unbound; ``create_app`` binds them."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

from ipservice.core.errors import Api

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_rate() -> str:
    from flask import current_app

    return current_app.config["RATE_LIMIT_LOGIN"]


def register_rate() -> str:
    from flask import current_app

    return current_app.config["RATE_LIMIT_REGISTER"]
api = Api()

# flask-smorest's Blueprint as the areas use it -------------------------------------------------
import json as _json  # noqa: E402

import marshmallow as _ma  # noqa: E402
from flask_smorest import Blueprint as _SmorestBlueprint  # noqa: E402
from webargs.flaskparser import FlaskParser as _FlaskParser  # noqa: E402

from ipservice.core.validators import MAX_PAGE as _MAX_PAGE  # noqa: E402

class _PageParser(_FlaskParser):
    """A page number beyond any real list would overflow the SQL OFFSET (a 500): bound it (422), in the
    same error shape as flask-smorest's own page-size bound."""

    def parse(self, argmap, req=None, *args, **kwargs):
        params = super().parse(argmap, req, *args, **kwargs)
        page = getattr(params, "page", None)
        if page is not None and page > _MAX_PAGE:
            try:
                _ma.validate.Range(min=1, max=_MAX_PAGE)(page)
            except _ma.ValidationError as exc:
                self.handle_error(_ma.ValidationError({"query": {"page": exc.messages}}), req, argmap,
                                  error_status_code=None, error_headers=None)
        return params


class _JsonBodyParser(_FlaskParser):
    """A body that is not JSON (or nested too deeply for the decoder, or holding an integer too long for
    Python to parse: more than 4 300 digits) is 400 in the user's language."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except _json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:  # a non-empty doc: webargs reads "" as "no body"
            raise _json.JSONDecodeError(str(exc), "[", 0) from exc

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        from flask_babel import gettext as _

        from ipservice.core.errors import error as abort_with

        abort_with(400, _("请求体不是有效的 JSON。"))



class Blueprint(_SmorestBlueprint):
    """flask-smorest's Blueprint, configured once for every area's API (a subclass, nothing patched)."""

    # The contract: lists page with ?page= and ?page_size= (default 50, max 500), totals in X-Pagination.
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 500}
    ARGUMENTS_PARSER = _JsonBodyParser()
    PAGINATION_ARGUMENTS_PARSER = _PageParser()

    def alt_response(self, status_code, response=None, *, schema=None, **kwargs):
        """A refusal documented without a schema answers the contract's error body all the same: say so,
        so that a generated client reads it as the error it is."""
        if response is None and schema is None and int(status_code) >= 400:
            from ipservice.core.openapi import ErrorSchema

            schema = ErrorSchema
        return super().alt_response(status_code, response, schema=schema, **kwargs)

    def _document_pagination_metadata(self, spec, resp_doc):
        """X-Pagination holds JSON (the contract): an OpenAPI 3 header whose value is JSON is declared with
        ``content``; flask-smorest's ``schema`` declares the ``simple`` style (``total,3,page,1``)."""
        from flask_smorest.pagination import PaginationMetadataSchema

        if "PaginationMetadata" not in spec.components.schemas:
            spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "Pagination metadata (JSON)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}},
        }
