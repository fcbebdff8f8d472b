// Point layers: the whole layer arrives once as the compact CWP1 payload, is indexed with supercluster,
// and on every move only the clusters and points inside the view are drawn: points as circle markers
// on the shared canvas, clusters as small DOM badges showing their count. Clicking a point fetches the
// full feature for its popup; clicking a cluster zooms in until it splits.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { el } from "../common/dom.js";
import { decodePointPack } from "../common/pointpack.js";
import { drawRank, classKey, pathOptions, textColorOn } from "../common/styles.js";
import { createClusterIndex } from "./supercluster.js";

const CLUSTER_MAX_ZOOM = 16; // above this every point is drawn on its own
const CLUSTER_RADIUS_PX = 60;

function clusterSize(count) {
  if (count < 10) return 28;
  if (count < 100) return 32;
  if (count < 1000) return 38;
  if (count < 10000) return 44;
  return 50;
}

/** The zoom at which ``bbox`` fits in one 256 px tile (used to skip clustering the far-out zooms). */
function fitZoom([minx, miny, maxx, maxy]) {
  const span = Math.max(maxx - minx, (maxy - miny) / Math.max(0.2, Math.cos((((miny + maxy) / 2) * Math.PI) / 180)));
  if (!(span > 0)) {
    return CLUSTER_MAX_ZOOM;
  }
  return Math.floor(Math.log2(360 / span));
}

export class PointLayer {
  /**
   * @param {object} options
   * @param {object} options.definition the layer from /api/layers (geometry_types ["Point"])
   * @param {import("../common/api.js").Api} options.api
   * @param {L.Renderer} options.renderer the shared canvas
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {number} [options.pxPerPoint] a clustered layer draws every point while the view has at least this
   *   many square pixels per point in it; with more points it shows clusters
   * @param {number} [options.maxUnclustered] an unclustered layer still clusters past this many points in view
   * @param {function(object): void} [options.onStatus] render-state updates (see LayerPanel.setStatus)
   * @param {function(object): void} [options.onFeatureClick] ({definition, fid, latlng})
   */
  constructor({ definition, api, renderer, i18n, pxPerPoint = 1500, maxUnclustered = 5000,
    onStatus = () => {}, onFeatureClick = () => {} }) {
    this.definition = definition;
    this.api = api;
    this.renderer = renderer;
    this.i18n = i18n;
    this.pxPerPoint = pxPerPoint;
    this.maxUnclustered = maxUnclustered;
    this.onStatus = onStatus;
    this.onFeatureClick = onFeatureClick;
    this.clustered = Boolean(definition.style?.cluster);
    this.minZoom = Number.isFinite(definition.style?.minZoom) ? definition.style.minZoom : null;
    this.group = L.layerGroup();
    this.markers = new Map(); // "c<cluster id>" | "p<index>" -> marker
    this.map = null;
    this.data = null;
    this.index = null;
    this.loading = null;
    this.timing = null;
    this.onMoveEnd = () => this.render();
  }

  get id() {
    return this.definition.id;
  }

  /** Fetch, decode and index the layer's points (once). */
  load() {
    if (!this.loading) {
      this.loading = this.fetchAndIndex();
      this.loading.catch(() => {
        this.loading = null; // let a later show() try again
      });
    }
    return this.loading;
  }

  async fetchAndIndex() {
    const t0 = performance.now();
    const buffer = await this.api.points(this.id);
    const t1 = performance.now();
    const data = decodePointPack(buffer);
    const style = this.definition.style || {};
    const by = style.by;
    // One set of marker options per style class, shared by every point of that class.
    const classStyles = (data.classes || [null]).map((value) => {
      const key = classKey(value);
      return {
        ...pathOptions(style, key, "Point"),
        renderer: this.renderer, drawRank: drawRank(this.definition, key), interactive: true, bubblingMouseEvents: false,
      };
    });
    const points = new Array(data.count);
    for (let i = 0; i < data.count; i += 1) {
      // id = index into the decoded arrays; supercluster hands it back on unclustered points.
      points[i] = { type: "Feature", id: i, properties: null, geometry: { type: "Point", coordinates: [data.lng[i], data.lat[i]] } };
    }
    const t2 = performance.now();
    const index = createClusterIndex({
      radius: CLUSTER_RADIUS_PX,
      extent: 256,
      maxZoom: CLUSTER_MAX_ZOOM,
      minZoom: Math.max(0, Math.min(CLUSTER_MAX_ZOOM, fitZoom(data.bbox) - 3)),
      nodeSize: 64,
    });
    index.load(points);
    const t3 = performance.now();
    this.data = data;
    this.classStyles = classStyles;
    this.optionsScale = null;
    this.index = index;
    this.timing = { fetch: t1 - t0, decode: t2 - t1, index: t3 - t2 };
    return this;
  }

  /** Show on ``map``; resolves when the current view's clusters and points are drawn. */
  async show(map) {
    this.map = map;
    this.group.addTo(map);
    map.on("moveend", this.onMoveEnd);
    if (!this.index) {
      this.onStatus({ status: "loading", rendered: 0 });
      try {
        await this.load();
      } catch (error) {
        if (this.map === map) {
          this.onStatus({ status: "error", rendered: 0, error });
        }
        return;
      }
    }
    if (this.map === map) {
      this.render();
    }
  }

  hide() {
    if (this.map) {
      this.map.off("moveend", this.onMoveEnd);
    }
    this.group.clearLayers();
    this.group.remove();
    this.markers.clear();
    this.map = null;
    this.onStatus({ status: "hidden", rendered: 0 });
  }

  /** Redraw what is in view: keeps markers that stay, adds new ones, drops the rest. */
  render() {
    const map = this.map;
    if (!map || !this.index) {
      return;
    }
    const zoom = Math.round(map.getZoom());
    if (this.minZoom !== null && zoom < this.minZoom) {
      this.clear();
      this.onStatus({ status: "zoom", rendered: 0, minZoom: this.minZoom });
      return;
    }
    const view = map.getBounds().pad(0.15);
    const bbox = [Math.max(-180, view.getWest()), Math.max(-85, view.getSouth()),
      Math.min(180, view.getEast()), Math.min(85, view.getNorth())];
    let items = [];
    if (bbox[0] <= bbox[2] && bbox[1] <= bbox[3]) {
      // Cluster only when it helps: a clustered layer with few points in view shows them all; an
      // unclustered layer with very many in view clusters anyway rather than drawing them all.
      items = this.index.getClusters(bbox, zoom);
      let inView = 0;
      let anyCluster = false;
      for (const item of items) {
        const props = item.properties;
        anyCluster = anyCluster || Boolean(props && props.cluster);
        inView += props && props.cluster ? props.point_count : 1;
      }
      const size = map.getSize();
      const limit = this.clustered ? Math.max(100, (size.x * size.y) / this.pxPerPoint) : this.maxUnclustered;
      if (anyCluster && inView <= limit) {
        items = this.index.getClusters(bbox, CLUSTER_MAX_ZOOM + 1);
      }
    }
    const before = this.optionsScale;
    this.optionsFor(zoom);
    if (this.optionsScale !== before) {
      this.clear(); // dot sizes changed: redraw every point
    }
    const wanted = new Map();
    for (const item of items) {
      const props = item.properties;
      const key = props && props.cluster ? `c${props.cluster_id}` : `p${item.id}`;
      wanted.set(key, item);
    }
    for (const [key, marker] of this.markers) {
      if (!wanted.has(key)) {
        this.group.removeLayer(marker);
        this.markers.delete(key);
      }
    }
    let clusters = 0;
    for (const [key, item] of wanted) {
      const isCluster = key[0] === "c";
      clusters += isCluster ? 1 : 0;
      if (!this.markers.has(key)) {
        const marker = isCluster ? this.clusterMarker(item) : this.pointMarker(item.id);
        this.markers.set(key, marker);
        this.group.addLayer(marker);
      }
    }
    this.onStatus({
      status: "ready", rendered: this.markers.size, clusters, points: this.markers.size - clusters,
      loaded: this.data.count, timing: this.timing,
    });
  }

  clear() {
    this.group.clearLayers();
    this.markers.clear();
  }

  /** Language changed: cluster badges carry formatted counts and titles, so rebuild them. */
  relabel() {
    if (this.map) {
      this.clear();
      this.render();
    }
  }

  /** Marker options per style class at the current zoom: dots shrink when zoomed far out. */
  optionsFor(zoom) {
    const scale = zoom >= 17 ? 1 : zoom >= 16 ? 0.85 : zoom >= 15 ? 0.7 : 0.6;
    if (scale !== this.optionsScale) {
      this.optionsScale = scale;
      this.classOptions = this.classStyles.map((options) => ({
        ...options, radius: Math.max(2.5, options.radius * scale), weight: scale < 1 ? Math.min(options.weight, 1) : options.weight,
      }));
    }
    return this.classOptions;
  }

  pointMarker(i) {
    const { lng, lat, ids, classIndex } = this.data;
    const classOptions = this.classOptions;
    const options = classOptions[classIndex ? classIndex[i] : 0] || classOptions[0];
    const latlng = L.latLng(lat[i], lng[i]);
    const marker = L.circleMarker(latlng, options);
    marker.on("click", () => {
      this.onFeatureClick({ definition: this.definition, fid: ids[i], latlng });
    });
    return marker;
  }

  clusterMarker(item) {
    const count = item.properties.point_count;
    const [lng, lat] = item.geometry.coordinates;
    const style = this.definition.style || {};
    const fill = style.fillColor || style.color || "#3388ff";
    const size = clusterSize(count);
    const badge = el("div", {
      className: "cluster-badge", text: this.i18n.formatCompact(count),
      dataset: { count, layerId: this.id },
    });
    badge.style.backgroundColor = fill;
    badge.style.color = textColorOn(fill);
    badge.style.borderColor = style.color || "#ffffff";
    const title = this.i18n.t("cluster.title", { count: this.i18n.formatNumber(count) });
    const marker = L.marker(L.latLng(lat, lng), {
      icon: L.divIcon({ html: badge, className: "cluster-marker", iconSize: L.point(size, size) }),
      title,
      alt: title,
      keyboard: true,
      riseOnHover: true,
      zIndexOffset: Math.min(count, 100000),
    });
    const clusterId = item.properties.cluster_id;
    marker.on("click", () => {
      const map = this.map;
      if (!map) {
        return;
      }
      const target = Math.min(this.index.getClusterExpansionZoom(clusterId), map.getMaxZoom());
      map.setView(L.latLng(lat, lng), Math.max(target, map.getZoom() + 1));
    });
    return marker;
  }
}
