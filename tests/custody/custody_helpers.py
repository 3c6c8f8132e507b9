"""Shared by the custody tests: a valid enrollment body per tenant."""
import datetime as dt

# The tenant's own required fields (tenants/<slug>/forms.toml).
TENANT_FIELDS = {"xian": {"innovation_base": "national"}, "hebi": {}, "guangzhou": {},
                 "tianjin-bonded": {"recipient_type": "sme"}}


def enrollment_body(tenant: str, agency_id: str, **over) -> dict:
    """A valid body; ``field=...`` (Ellipsis) leaves a field out."""
    body = {"agency_id": agency_id, "enterprise_scale": "small", "services": ["info_use", "patent_filing"],
            "start_date": "2025-01-01", "end_date": "2026-12-31", "government_purchased": True,
            **TENANT_FIELDS[tenant]}
    body.update(over)
    return {k: v for k, v in body.items() if v is not ...}


def today() -> dt.date:
    from ipservice.core.types import today_china

    return today_china()
