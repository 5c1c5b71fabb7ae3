"""Storage: models, engines and transactions, drafts, versions, audit, retention, filters, queue queries."""
