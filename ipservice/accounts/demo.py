"""Demo organizations' codes, shared by every area's demo data."""
from __future__ import annotations


def demo_uscc(slug: str, series: str, n: int) -> str:
    """A valid USCC for demo data, stable per tenant, series and number. The region digits are 0000xx:
    demo organizations claim no real district (the check character comes from python-stdnum)."""
    from stdnum.cn import uscc

    body = f"910000{sum(map(ord, slug)) % 100:02d}{series}{n:07d}"
    return body + uscc.calc_check_digit(body)
