"""The sector rulesets bundled with Kundenkompass, one TOML file per sector.

Each is applied to companies whose ``[company] sector`` equals the ruleset's ``sector``
(see :mod:`kundenkompass.catalog.rulesets` and docs/plugins.md).
"""
