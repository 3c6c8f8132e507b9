from flask import g
from flask.views import MethodView
from ipservice.extensions import Blueprint
from marshmallow import fields

from ipservice import forms
from ipservice.core import http_cache
from ipservice.core.access import access
from ipservice.forms.render import describe
from ipservice.core.dump import OutSchema

blp = Blueprint("api_forms", __name__, url_prefix="/t/<tenant>/api/v1",
                description="表单定义 — form definitions")


class ChoiceOut(OutSchema):
    value = fields.String()
    label_zh = fields.String()
    label_en = fields.String()


class FieldOut(OutSchema):
    name = fields.String()
    type = fields.String()
    required = fields.Boolean()
    label_zh = fields.String()
    label_en = fields.String()
    choices = fields.List(fields.Nested(ChoiceOut), allow_none=True)
    max_length = fields.Integer(allow_none=True)
    tenant_field = fields.Boolean(metadata={"description": "the tenant's own field (forms.toml)"})


class FormOut(OutSchema):
    form = fields.String()
    version = fields.Integer()
    fields = fields.List(fields.Nested(FieldOut))


def published(tenant) -> list[dict]:
    return [{"form": name, "version": tenant.forms.version,
             "fields": describe(forms.schema_for(tenant, name)())}
            for name in forms.registered()]


@blp.route("/forms")
class Forms(MethodView):
    @access("anyone")
    @http_cache.document(max_age=300)
    @blp.response(200, FormOut(many=True))
    def get(self):
        """The tenant's three forms: base fields plus its own, with Chinese and English labels."""
        return published(g.tenant)


BLUEPRINTS = [blp]
