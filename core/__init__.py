"""Kundenkompass: audit how customer-centric a retailer is along the customer journey."""

from __future__ import annotations

from kundenkompass.catalog.hookspecs import HOOKSPEC_VERSION, hookimpl

__version__ = "0.1.0"

__all__ = ["HOOKSPEC_VERSION", "__version__", "hookimpl"]
