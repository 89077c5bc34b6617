"""Built-in phase plugin: Kauf (purchase).

Its content lives in the TOML files beside this module.
"""

from kundenkompass.catalog.plugin_data import PluginData

plugin = PluginData.for_package(__name__)
