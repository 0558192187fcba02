"""ledger: part of aiap's test-generation corpus."""
