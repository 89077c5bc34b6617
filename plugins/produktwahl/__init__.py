"""Built-in phase plugin: Anbieter-/Produktwahl (choice of provider and product).

Its content lives in the TOML files beside this module.
"""

from kundenkompass import PluginData

plugin = PluginData.for_package(__name__)
