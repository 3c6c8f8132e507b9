"""The proof tests' data: one world per module (tests/proof/world.py); a module using it overrides
``clean_db`` so that its tests share the data, which ``world`` empties at the end."""
import pytest

from tests.proof import world as W


@pytest.fixture(scope="module")
def world(app, _append_only):
    from werkzeug.security import generate_password_hash

    from ipservice.accounts import services
    from tests.conftest import empty_database

    with pytest.MonkeyPatch.context() as mp:  # fast hashes, as the conftest's per-test fixture does
        mp.setattr(services, "generate_password_hash",
                   lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"))
        empty_database(app, _append_only)
        yield W.build(app, app.test_client())
    empty_database(app, _append_only)
