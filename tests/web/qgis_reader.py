"""Read layers with QGIS, headless: run by Debian's ``/usr/bin/python3`` (whose ``python3-qgis`` bindings the
project's Python cannot import) with ``QT_QPA_PLATFORM=offscreen``, from ``tests/web/test_qgis_clients.py``.

Standard input: ``{"profile": DIR, "layers": [{"name", "provider", "uri", "basic": [user, password] | null}]}``.
A ``basic`` pair becomes a QGIS authentication configuration of the Basic method in a throwaway profile (its
own auth database under DIR, a master password set for the run) and is referred to by ``authcfg`` in the URI,
as a planner would set it up in the dialog. Standard output: one JSON object per layer, by name: ``valid``,
``error``, ``features`` (how many were read by iterating them all), ``geometry_types`` (the WKB type names of
what was read), ``fields`` (name to QGIS type name), ``ids`` (attribute ``fid`` or the feature ids read).
"""

import json
import os
import sys


def main() -> None:
    request = json.load(sys.stdin)
    profile = request["profile"]
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = profile
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = profile
    from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsVectorLayer, QgsWkbTypes

    app = QgsApplication([], False, profile)  # noqa: F841 - must stay alive while layers are read
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setMasterPassword("throwaway-master-password", True)
    found = {}
    for spec in request["layers"]:
        uri = spec["uri"]
        if spec.get("basic"):
            config = QgsAuthMethodConfig("Basic")
            config.setName(f"chuangwei {spec['name']}")
            config.setConfig("username", spec["basic"][0])
            config.setConfig("password", spec["basic"][1])
            stored = auth.storeAuthenticationConfig(config)  # a bool in QGIS 3.22, (bool, config) later
            if not (stored[0] if isinstance(stored, tuple) else stored):
                raise SystemExit(f"could not store the Basic configuration for {spec['name']}")
            uri += f" authcfg={config.id()}"
        layer = QgsVectorLayer(uri, spec["name"], spec["provider"])
        entry = {"valid": layer.isValid(), "error": layer.error().summary() if not layer.isValid() else ""}
        if layer.isValid():
            types, ids, count = set(), [], 0
            names = layer.fields().names()
            for feature in layer.getFeatures():
                count += 1
                geometry = feature.geometry()
                if not geometry.isNull():
                    types.add(QgsWkbTypes.displayString(geometry.wkbType()))
                ids.append(feature["fid"] if "fid" in names else feature.id())
            entry.update(features=count, geometry_types=sorted(types), ids=sorted(ids),
                         fields={f.name(): f.typeName() for f in layer.fields()})
        found[spec["name"]] = entry
    print(json.dumps(found), flush=True)
    # QGIS 3.22 crashes in exitQgis() while an OAPIF provider's download thread is still known to it; the
    # answer is out, and nothing here needs a clean exit.
    os._exit(0)


if __name__ == "__main__":
    main()
