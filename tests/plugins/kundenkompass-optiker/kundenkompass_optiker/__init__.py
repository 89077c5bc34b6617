"""Test plugin for opticians (companies with ``sector = "optiker"``).

Its data files sit beside this module; ``rulesets/optiker.toml`` adjusts built-in content
for the sector and is shipped through the ``register_rulesets`` hook of
:class:`~kundenkompass.catalog.plugin_data.PluginData`.
"""

from kundenkompass.catalog.plugin_data import PluginData

__version__ = "0.1.0"

KUNDENKOMPASS_HOOKSPEC_VERSION = 1

plugin = PluginData.for_package(__name__)
