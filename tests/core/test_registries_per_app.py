"""Every registry belongs to its app (issue 19 item 4): the filing kinds, their statuses and metrics, the
forms and the tenants of one app are not seen by another app in the same process, and a name declared
twice with two meanings stops start-up."""
import shutil
from pathlib import Path

import pytest
from flask import Flask

from ipservice import create_app, forms
from ipservice.core import filing, labels
from ipservice.kpi import metrics
from ipservice.tenants import registry

ROOT = Path(__file__).resolve().parents[2] / "tenants"


def _stand_in(app, **over) -> filing.FilingKind:
    """A kind sharing custody's model, with a status and a metric of its own."""
    base = filing.kind("custody", app)
    fields = dict(name="stand_in", model=base.model, object_type="stand_in",
                  label=("替代类别", "Stand-in kind"), pending=("submitted",),
                  statuses={"submitted": labels.SUBMITTED, "parked": ("已搁置", "Parked")},
                  service=base.service, list_endpoint=base.list_endpoint,
                  detail_endpoint=base.detail_endpoint,
                  metrics={"stand_in_count": lambda years: {y: 7.0 for y in years}})
    return filing.FilingKind(**{**fields, **over})


@pytest.fixture
def second_app(app, tmp_path):
    """Another app in this process, running one district (a copy of hebi's folder). Flask-Limiter and
    flask-smorest keep one app's storage and document on their single extension object: that state is
    the session app's again afterwards (it is not a registry of ours)."""
    from ipservice.extensions import api, limiter

    root = tmp_path / "tenants"
    shutil.copytree(ROOT / "hebi", root / "hebi")
    saved = {ext: dict(vars(ext)) for ext in (api, limiter)}
    yield create_app({"TENANTS_DIR": str(root), "SECRET_KEY": "x",
                       "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'second.db'}",
                       "IPSERVICE_QUEUE_INPROCESS": False, "QUEUE_SQLITE_FILE": str(tmp_path / "queue.db")})
    for ext, state in saved.items():
        vars(ext).clear()
        vars(ext).update(state)


def test_a_second_app_has_its_own_registries(app, second_app):
    assert [t.slug for t in registry.of(second_app).values()] == ["hebi"]
    assert len(registry.of(app)) == 4  # the first app's districts are untouched by the second's start-up
    assert [k.name for k in filing.kinds(second_app)] == [k.name for k in filing.kinds(app)]
    assert all(a is not b for a, b in zip(filing.kinds(second_app), filing.kinds(app), strict=True))

    filing.register_kind(second_app, _stand_in(second_app))
    forms.register(second_app, "stand_in", lambda tenant: None)
    assert filing.kind("stand_in", second_app) is not None and filing.kind("stand_in", app) is None
    assert "stand_in_count" in filing.metrics(second_app) and "stand_in_count" not in filing.metrics(app)
    assert "stand_in" in forms.registered(second_app) and "stand_in" not in forms.registered(app)
    assert "parked" in labels.statuses(second_app) and "parked" not in labels.statuses(app)
    with second_app.app_context():
        assert [t.slug for t in registry.all()] == ["hebi"] and registry.get("xian") is None
        assert labels.status_label("parked") == "已搁置"
        assert metrics.compute_years("stand_in_count", [2025]) == {2025: 7.0}
    with app.app_context():
        assert registry.get("xian") is not None
        assert labels.status_label("parked") == "parked"  # not a status of this app
        assert metrics.compute_years("stand_in_count", [2025]) == {2025: None}
        assert "stand_in_count" not in metrics.known()


def test_a_metric_declared_by_two_kinds_stops_start_up(app):
    other = Flask("other")
    filing.register_kind(other, _stand_in(app))
    with pytest.raises(RuntimeError, match="metric 'stand_in_count' declared by two kinds"):
        filing.register_kind(other, _stand_in(app, name="stand_in_2"))
    assert filing.kind("stand_in_2", other) is None  # refused whole: nothing of it registered


def test_a_status_declared_with_two_labels_stops_start_up(app):
    other = Flask("other")
    labels.register_statuses(other, {"submitted": labels.SUBMITTED})
    labels.register_statuses(other, {"submitted": ("已提交", "Submitted")})  # the same words: one declaration
    with pytest.raises(RuntimeError, match="status 'submitted' declared twice"):
        filing.register_kind(other, _stand_in(app, statuses={"submitted": ("已递交", "Filed")}))
    assert filing.kind("stand_in", other) is None


def test_a_form_registered_twice_stops_start_up():
    other = Flask("other")
    forms.register(other, "stand_in", print)
    forms.register(other, "stand_in", print)  # the same builder again: harmless
    with pytest.raises(RuntimeError, match="form 'stand_in' registered twice"):
        forms.register(other, "stand_in", repr)
