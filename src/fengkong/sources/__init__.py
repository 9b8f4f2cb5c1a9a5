"""External data: credit-bureau reports, bank statements, business registry, tax and utility
payments, financial statements and identity checks, fetched under consent, cached, and recorded
with the decision that used them so that it can be replayed."""
