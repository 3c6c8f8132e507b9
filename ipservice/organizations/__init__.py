"""Organization identity: who may act for a registered USCC. A second registrant of a USCC claims the
organization with its business licence; the bureau approves (the claimant becomes the organization's
user) or rejects with a reason; until the bureau has verified an organization, its filings are marked
"unverified" on the bureau's pages."""
