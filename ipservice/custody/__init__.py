"""托管 — custody enrollment of small and micro enterprises with the tenant's approved custody agencies."""
