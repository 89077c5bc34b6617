"""Tools built on the engine: batch audits, the HTTP service, listings, lint, inventory and the questionnaire."""
