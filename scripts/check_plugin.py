"""Development aid: load one built-in plugin (plus informationssuche) and report problems.

Usage: .venv/bin/python scripts/check_plugin.py kauf
"""

import importlib
import sys

from kundenkompass import catalog, plugin_manager
from kundenkompass.errors import KundenkompassError

names = sorted({sys.argv[1], "informationssuche"})
manager = plugin_manager.new_plugin_manager()
infos = []
for name in names:
    module = importlib.import_module(f"kundenkompass.plugins.{name}")
    info = plugin_manager.PluginInfo(name=name, version="dev", source="check")
    plugin_manager.register(manager, module.plugin, info)
    infos.append(info)
try:
    result = catalog.collect(manager, infos)
except KundenkompassError as error:
    print("ERROR:", error)
    sys.exit(1)
phase = sys.argv[1]
print(
    "checklist items:",
    len([i for i in result.checklist.values() if result.owners[("checklist item", i.id)] == phase]),
)
print(
    "measures:",
    len([m for m in result.measures.values() if result.owners[("measure", m.id)] == phase]),
)
print(
    "facts:", len([f for f in result.facts.values() if result.owners.get(("fact", f.key)) == phase])
)
print("rules:", len([r for r in result.rules.values() if r.plugin == phase]))
recommended = {r.recommend for r in result.rules.values() if r.recommend}
unreachable = [
    m for m in result.measures if m not in recommended and result.owners[("measure", m)] == phase
]
print("measures no rule recommends:", unreachable)
used = {leaf.ref for r in result.rules.values() for leaf in r.leaves()}
used |= {ref for d in result.derivations.values() for ref in d.inputs}
used |= {t.input for t in result.thresholds.values()}
unused = [
    f.key
    for f in result.facts.values()
    if f"facts.{f.key}" not in used and result.owners.get(("fact", f.key)) == phase
]
print("facts no rule or derivation uses:", unused)
