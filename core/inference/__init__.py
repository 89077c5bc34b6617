"""Inference: compiling rules for durable_rules, running them, then explaining, prioritizing and scoring."""
