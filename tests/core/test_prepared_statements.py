"""psycopg's prepared statements are off unless ``IPSERVICE_DB_PREPARE_THRESHOLD`` says otherwise: behind a
transaction-pooling pgbouncer before 1.21 they land on another server connection (500s under load, found by
tests/topology/test_pooling.py), and docs/deploy.md puts one in front of PostgreSQL."""
from ipservice.config import Config
from ipservice.core.dbtimeouts import engine_options


def _config(**over):
    return {k: getattr(Config, k) for k in dir(Config) if k.isupper()} | over


def test_psycopg_connections_prepare_nothing_unless_the_setting_says_so():
    uri = "postgresql+psycopg://ipservice_app@127.0.0.1:6432/ipservice"
    assert engine_options(_config(IPSERVICE_DB_PREPARE_THRESHOLD=""),
                          uri)["connect_args"]["prepare_threshold"] is None
    assert engine_options(_config(IPSERVICE_DB_PREPARE_THRESHOLD="5"),
                          uri)["connect_args"]["prepare_threshold"] == 5
    for other in ("postgresql+psycopg2://u@h/db", "sqlite:///x.db"):  # drivers without the option
        assert "prepare_threshold" not in engine_options(_config(), other)["connect_args"]


def test_the_apps_own_connections_prepare_nothing(app, postgres):
    from ipservice.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        assert conn.connection.driver_connection.prepare_threshold is None
