"""Organization identity: who may act for a registered USCC. A second registrant of a USCC claims the
organization with its business licence; the bureau approves (the claimant, proving the e-mail with the
approval's code, becomes the organization's user) or rejects with a reason; until the bureau has verified an organization, its filings are marked
"unverified" on the bureau's pages."""

ORDER = 85  # its place among the areas (navigation order)


def init_app(app):
    """The bureau's link to the organizations of its tenant."""
    from ipservice.core import hooks
    from ipservice.organizations import completion, views

    hooks.nav(app, views._nav)
    hooks.login_refusal(app, completion.login_state)
