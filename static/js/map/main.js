// Entry point: asks /api/session who is logged in (nobody, when reading needs a login: off to the login
// page), loads translations, /api/config and /api/layers, builds the map, the layer panel and the layers,
// and wires the language switch, the user menu and (for users with analysis.run) the analysis panel.
// Nothing is exposed on window; tests read data attributes (body[data-ready], the panel rows'
// data-status/data-rendered-count, the map's data-zoom/...).

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { AnalysisPanel } from "../analysis/analysisPanel.js";
import { completeDefinition } from "../analysis/analysisProperties.js";
import { Api, goToLogin } from "../common/api.js";
import { Basemaps, MAP_MAX_ZOOM, plainAttribution } from "../common/tilePresets.js";
import { crsFor } from "../common/gcjCrs.js";
import { parseViewHash, ViewHash } from "./hashState.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LabelLayout } from "../common/labelLayout.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { LayerPanel } from "./layerPanel.js";
import { MapStatus } from "../common/mapStatus.js";
import { orderedCanvas } from "../common/orderedCanvas.js";
import { PanelToggle } from "./panelToggle.js";
import { PointLayer } from "./pointLayer.js";
import { FeaturePopup } from "./popup.js";
import { hasPermission } from "../common/session.js";
import { usesPointPayload } from "../common/styles.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { AreaOutline } from "./areaOutline.js";
import { UserMenu } from "../common/userMenu.js";
import { VectorLayer } from "../common/vectorLayer.js";

const HIDDEN_KEY = "chuangwei.hiddenLayers";
const SETTLED = new Set(["ready", "error", "zoom", "hidden"]);
const FALLBACK_VIEW = { center: L.latLng(35, 105), zoom: 4 };

function readHidden(storage) {
  try {
    const list = JSON.parse(storage.getItem(HIDDEN_KEY) || "[]");
    return new Set(Array.isArray(list) ? list.map(String) : []);
  } catch {
    return new Set();
  }
}

/** Sets body[data-ready="1"] once every layer shown at start has drawn its first view. */
class ReadySignal {
  constructor({ body, waitFor }) {
    this.body = body;
    this.waiting = new Set(waitFor);
  }

  settle(id, status) {
    if (this.waiting.has(id) && SETTLED.has(status)) {
      this.waiting.delete(id);
      this.check();
    }
  }

  check() {
    if (this.waiting.size === 0 && !this.body.dataset.ready) {
      // Two frames: the canvas redraw Leaflet scheduled for the new paths has happened by then.
      requestAnimationFrame(() => requestAnimationFrame(() => {
        this.body.dataset.readyMs = String(Math.round(performance.now()));
        this.body.dataset.ready = "1";
      }));
    }
  }
}

function initialView(map, config) {
  const fromHash = parseViewHash(globalThis.location.hash);
  if (fromHash) {
    map.setView(fromHash.center, fromHash.zoom);
    return;
  }
  const extent = config.extent;
  if (Array.isArray(extent) && extent.length === 4 && extent.every(Number.isFinite)) {
    const [minLon, minLat, maxLon, maxLat] = extent;
    map.fitBounds(L.latLngBounds([minLat, minLon], [maxLat, maxLon]), { padding: L.point(16, 16), maxZoom: 18 });
    return;
  }
  map.setView(FALLBACK_VIEW.center, FALLBACK_VIEW.zoom);
}

function zoomControl(i18n) {
  return L.control.zoom({ position: "topright", zoomInTitle: i18n.t("zoom.in"), zoomOutTitle: i18n.t("zoom.out") });
}

async function start() {
  const body = document.body;
  const storage = safeStorage();
  const i18n = new I18n({ storage });
  const api = new Api();
  const notice = document.getElementById("notice");
  let session;
  let config;
  let definitions;
  let analysisKinds; // the analysis kinds' declarations: how saved results are drawn and titled
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
    if (!session.user && session.read_requires_login) {
      body.dataset.ready = "login";
      goToLogin();
      return;
    }
    [config, definitions, analysisKinds] = await Promise.all([api.config(), api.layers(), api.analysisKinds()]);
  } catch (error) {
    if (error.redirecting) {
      body.dataset.ready = "login";
      return;
    }
    notice.textContent = i18n.tables.size
      ? i18n.t("notice.load_failed", { message: i18n.errorMessage(error) })
      : `无法加载地图数据 / Could not load the map data: ${error.message}`;
    notice.hidden = false;
    body.dataset.ready = "error";
    throw error;
  }
  // Saved analysis results come without a style (and with column names for titles): complete them.
  definitions = definitions.map((definition, _, all) => completeDefinition(definition, i18n, all, analysisKinds));
  // Demo data is fictional: say so on every screen, never let it pass for a real community.
  document.getElementById("demo-badge").hidden = !config.demo;
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  const scope = new AreaBreadcrumb({ container: document.getElementById("area-breadcrumb"), api, i18n,
    user: session.user }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user: session.user, page: "map" }).start();

  const basemaps = new Basemaps({
    presets: config.basemaps || [],
    defaultId: config.default_basemap,
    select: document.getElementById("basemap-select"),
    i18n,
    storage,
  });
  const coarse = globalThis.matchMedia("(pointer: coarse)").matches;
  const renderer = orderedCanvas({ padding: 0.3, tolerance: coarse ? 8 : 3 });
  const mapElement = document.getElementById("map");
  const map = L.map(mapElement, {
    crs: crsFor(basemaps.crsName()),
    zoomControl: false,
    maxZoom: MAP_MAX_ZOOM,
    minZoom: 2,
    zoomSnap: basemaps.zoomSnap(),
    renderer,
    tapTolerance: 15,
  });
  plainAttribution(map);
  let zoom = zoomControl(i18n).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  initialView(map, config);
  scope.then((area) => new AreaOutline({ map, api }).show(area)).catch(() => {});
  basemaps.start(map);
  new MapStatus({ map, crsName: () => basemaps.crsName() }).start();
  new ViewHash({ map }).start();
  const labels = new LabelLayout({ map }).start();
  const layerPanelToggle = new PanelToggle({
    body,
    button: document.getElementById("panel-toggle"),
    closeButton: document.getElementById("panel-close"),
    onLayoutChange: () => setTimeout(() => map.invalidateSize({ pan: false }), 0),
  }).start();

  const popup = new FeaturePopup({ map, api, i18n, timeZone: config.timezone });
  const hidden = readHidden(storage);
  const visible = new Set(definitions.map((d) => d.id).filter((id) => !hidden.has(id)));
  const ready = new ReadySignal({ body, waitFor: visible });
  const controllers = new Map();
  const panel = new LayerPanel({
    thematicList: document.getElementById("layers-thematic"),
    baseList: document.getElementById("layers-base"),
    definitions,
    visible,
    i18n,
    onToggle: (id, on) => {
      const controller = controllers.get(id);
      if (on) {
        hidden.delete(id);
        visible.add(id);
        controller.show(map);
      } else {
        hidden.add(id);
        visible.delete(id);
        controller.hide();
      }
      storage.setItem(HIDDEN_KEY, JSON.stringify([...hidden]));
    },
    // Saved analysis results can be deleted by those who may run analyses.
    onDelete: hasPermission(session.user, "analysis.run") ? async (id) => {
      await api.deleteLayer(id);
      hidden.delete(id);
      storage.setItem(HIDDEN_KEY, JSON.stringify([...hidden]));
      await reloadLayers();
    } : null,
  });

  const pageLimit = Math.max(100, Math.min(Number(config.max_limit) || 1000, 5000));
  const makeController = (definition) => {
    const onStatus = (state) => {
      panel.setStatus(definition.id, state);
      ready.settle(definition.id, state.status);
    };
    return usesPointPayload(definition)
      ? new PointLayer({
        definition, api, renderer, i18n, onStatus,
        onFeatureClick: ({ fid, latlng }) => popup.showById({ definition, fid, latlng }),
      })
      : new VectorLayer({
        definition, api, renderer, pageLimit, onStatus, onLabelsChanged: labels.schedule,
        onFeatureClick: ({ feature, latlng }) => popup.showFeature({ definition, feature, latlng }),
      });
  };
  for (const definition of definitions) {
    controllers.set(definition.id, makeController(definition));
  }
  for (const id of visible) {
    controllers.get(id).show(map);
  }
  ready.check();

  /** Fetch the layer list again (an analysis result was saved as a layer): list and draw new layers. */
  const reloadLayers = async () => {
    const raw = await api.layers();
    const fresh = raw.map((definition) => completeDefinition(definition, i18n, raw, analysisKinds));
    const ids = new Set(fresh.map((d) => d.id));
    for (const [id, controller] of controllers) {
      if (!ids.has(id)) {
        controller.hide();
        controllers.delete(id);
        visible.delete(id);
      }
    }
    const added = fresh.filter((d) => !controllers.has(d.id));
    for (const definition of added) {
      controllers.set(definition.id, makeController(definition));
      if (!hidden.has(definition.id)) {
        visible.add(definition.id);
      }
    }
    definitions = fresh;
    panel.setDefinitions(fresh);
    for (const definition of added) {
      if (visible.has(definition.id)) {
        controllers.get(definition.id).show(map);
      }
    }
  };

  if (hasPermission(session.user, "analysis.run")) {
    new AnalysisPanel({
      panel: document.getElementById("analysis-panel"),
      toggle: document.getElementById("analysis-toggle"),
      body, map, renderer, api, i18n, popup,
      definitions: () => definitions,
      declarations: analysisKinds,
      onSaved: reloadLayers,
      // Below this width the map cannot spare room for both panels: opening one closes the layer panel.
      onOpen: () => {
        if (globalThis.matchMedia("(max-width: 1100px)").matches) {
          layerPanelToggle.setOpen(false);
        }
      },
      onLayoutChange: () => setTimeout(() => map.invalidateSize({ pan: false }), 0),
    }).start();
  }

  i18n.onChange(() => {
    panel.relabel();
    basemaps.relabel();
    popup.relabel();
    for (const controller of controllers.values()) {
      controller.relabel?.();
    }
    zoom.remove();
    zoom = zoomControl(i18n).addTo(map);
  });
}

start().catch((error) => {
  console.error("map failed to start:", error);
});
