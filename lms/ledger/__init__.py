"""CE credit ledger: every credit a member earns, toward their renewal cycle."""
