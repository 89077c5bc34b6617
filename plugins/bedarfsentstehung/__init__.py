"""Built-in phase plugin: Bedarfsentstehung (need arises).

Its content lives in the TOML files beside this module.
"""

from kundenkompass import PluginData

plugin = PluginData.for_package(__name__)
