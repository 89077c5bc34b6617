"""Kundenkompass plugin for bicycle retailers (companies with ``sector = "fahrradhandel"``).

Its content comes from the guide's interview with Sebastian Bomm (ROSE Bikes): bikes put
together from a configurator in the shop and online, body measurement for the right fit,
and tailored recommendations from customer data. It lives in the TOML files beside this
module; every fact, checklist item and measure carries ``sectors = ["fahrradhandel"]``.
"""

from kundenkompass import PluginData

__version__ = "0.1.0"

#: The hook specification version the plugin is built for; another major version of
#: Kundenkompass refuses it with a message instead of misreading it.
KUNDENKOMPASS_HOOKSPEC_VERSION = 1

plugin = PluginData.for_package(__name__)
