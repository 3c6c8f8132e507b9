"""Accounts: users, API tokens, organizations' registration, login sessions."""


def init_app(app):
    """The account's and the organization's personal fields (erasure, the copy of one's data)."""
    from ipservice.accounts.models import Enterprise, User
    from ipservice.core import privacy

    privacy.personal_fields(app, User, {"email": "email", "display_name": "name"},
                            lambda user_id, enterprise_id: User.id == user_id)
    privacy.personal_fields(app, Enterprise, {"contact_name": "name", "contact_phone": "phone"},
                            lambda user_id, enterprise_id: Enterprise.user_id == user_id)
