"""Plugins contribute: hook specifications, plugin discovery, plugin data files, rulesets, and the validated catalog."""
