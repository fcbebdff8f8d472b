// The maps of the before/after page in its three views: "side" (two maps side by side that move together,
// the first date on the left), "swipe" (one map, a divider between the dates) and "play" (one map and the
// time slider, week by week). Each shows the cases as they stood at its date(s) coloured by state group,
// the collection points and toilets of that date, the saved coverage and gap analyses of that date, and on
// the later date the rings of what changed.
// What each map draws is written into data attributes of #compare-maps (data-before-open, data-after-cases,
// data-change-new, data-play-open, ...), which the tests compare with the API.

import { CaseDots } from "./caseDots.js";
import { openCasePopup } from "./casePopup.js";
import { CHANGES, GROUPS } from "./caseColors.js";
import { ChangeRings } from "./changeRings.js";
import { createBaseMap, paneRenderer } from "./leadersMap.js";
import { el } from "../common/dom.js";
import { syncMaps } from "./mapSync.js";
import { Swipe } from "./swipe.js";
import { TimeSlider } from "./timeSlider.js";

/** A shared link's map view, ``#zoom/lat/lng`` as the main map writes it, or null. */
function viewFromHash(hash) {
  const match = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(hash || "");
  if (!match) {
    return null;
  }
  const [zoom, lat, lng] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? { center: [lat, lng], zoom } : null;
}

export const VIEWS = ["side", "swipe", "play"];

export class CompareMaps {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container #compare-maps
   * @param {HTMLElement} options.sliderBox where the time slider goes
   * @param {object} options.context {api, i18n, config, definitions (base layers), basemaps (the tile chooser)}
   * @param {import("./caseSnapshots.js").CaseSnapshots} options.snapshots
   * @param {import("./savedAnalyses.js").SavedAnalyses} options.analyses
   * @param {import("./facilitySnapshots.js").FacilitySnapshots} options.facilities
   * @param {function(number): void} [options.onWeek] the slider moved to week ``index``
   */
  constructor({ container, sliderBox, context, snapshots, analyses, facilities, onWeek = () => {} }) {
    this.container = container;
    this.sliderBox = sliderBox;
    this.context = context;
    this.snapshots = snapshots;
    this.analyses = analyses;
    this.facilities = facilities;
    this.onWeek = onWeek;
    this.view = null;
    this.maps = [];
    this.unsync = null;
    this.swipe = null;
    this.slider = null;
    this.groups = new Set(GROUPS);
    this.changes = new Set(CHANGES);
    this.hiddenFacilities = new Set();
    this.layers = []; // {layer: CaseDots|ChangeRings, prefix} now drawn
    this.facilityLayers = []; // {id, group, map, prefix} now drawn
    this.lastView = viewFromHash(window.location.hash); // {center, zoom} carried from one view to the next
    this.generation = 0;
  }

  get i18n() {
    return this.context.i18n;
  }

  /** Remove the maps of the current view (keeping where they looked). */
  clear() {
    if (this.maps.length) {
      this.lastView = { center: this.maps[0].getCenter(), zoom: this.maps[0].getZoom() };
    }
    this.unsync?.();
    this.swipe?.stop();
    this.slider?.pause();
    this.maps.forEach((map) => {
      this.context.basemaps?.detach(map);
      map.remove();
    });
    this.maps = [];
    this.layers = [];
    this.facilityLayers = [];
    this.unsync = this.swipe = this.slider = null;
    this.sliderBox.hidden = true;
    this.sliderBox.replaceChildren();
    this.container.replaceChildren();
    for (const key of Object.keys(this.container.dataset)) {
      delete this.container.dataset[key];
    }
  }

  newMap(element) {
    const { api, i18n, config, definitions, basemaps } = this.context;
    const made = createBaseMap({ element, definitions, api, i18n, extent: config.extent, basemaps });
    if (this.lastView) {
      made.map.setView(this.lastView.center, this.lastView.zoom, { animate: false });
    }
    this.maps.push(made.map);
    return made;
  }

  label(side, text) {
    return el("div", { className: `lv-map-label lv-map-label-${side}`, text, dataset: { side } });
  }

  /**
   * Show ``compare`` (the /api/compare answer: from, to, features, weeks) in ``view``.
   * @param {object} options {view, compare, filters, week, swipeRatio, dates: {from, to} (YYYY-MM-DD)}
   * @returns {Promise} resolved when everything is drawn (#compare-maps[data-drawn="1"])
   */
  async show({ view, compare, filters, week = null, swipeRatio = 0.5, dates }) {
    const generation = ++this.generation;
    this.clear();
    this.view = view;
    this.compare = compare;
    this.filters = filters;
    this.dates = dates;
    this.container.dataset.view = view;
    if (view === "side") {
      await this.showSide(generation);
    } else if (view === "swipe") {
      await this.showSwipe(generation, swipeRatio);
    } else {
      await this.showPlay(generation, week);
    }
    if (generation === this.generation) {
      this.container.dataset.drawn = "1";
    }
  }

  sideLabel(side) {
    const key = side === "before" ? "leaders.map.before" : "leaders.map.after";
    return this.i18n.t(key, { date: this.dates[side === "before" ? "from" : "to"] });
  }

  async showSide(generation) {
    const boxes = ["before", "after"].map((side) => {
      const element = el("div", { className: "map lv-map", attrs: { id: `map-${side}`,
        "aria-label": this.sideLabel(side) }, dataset: { side } });
      return el("div", { className: "lv-map-box" }, [element, this.label(side, this.sideLabel(side))]);
    });
    this.container.append(el("div", { className: "lv-side" }, boxes));
    const made = boxes.map((box) => this.newMap(box.firstChild));
    this.unsync = syncMaps(made.map((m) => m.map));
    await Promise.all(["before", "after"].map((side, i) => {
      const { renderer } = paneRenderer(made[i].map, `lv-${side}`, 450);
      return this.drawSide(generation, made[i].map, renderer, side);
    }));
  }

  async showSwipe(generation, ratio) {
    const element = el("div", { className: "map lv-map", attrs: { id: "map-swipe" } });
    const box = el("div", { className: "lv-map-box lv-map-box-swipe" }, [element,
      this.label("before", this.sideLabel("before")), this.label("after", this.sideLabel("after"))]);
    this.container.append(box);
    const { map } = this.newMap(element);
    const before = paneRenderer(map, "lv-before", 450);
    const after = paneRenderer(map, "lv-after", 451);
    this.swipe = new Swipe({ map, leftPane: before.pane, rightPane: after.pane, ratio,
      label: this.i18n.t("leaders.swipe.handle") }).start();
    await Promise.all([this.drawSide(generation, map, before.renderer, "before"),
      this.drawSide(generation, map, after.renderer, "after")]);
  }

  /** Cases (and on the later date the change rings) of one date, with that date's saved analyses beneath. */
  async drawSide(generation, map, renderer, side) {
    const at = side === "before" ? this.compare.from : this.compare.to;
    const [snapshot, chosen, facilities] = await Promise.all([this.snapshots.get(at, this.filters),
      this.analyses.forInstant(at), this.facilities.layers(at, renderer)]);
    if (generation !== this.generation) {
      return;
    }
    const analysis = await this.analyses.layerGroup(chosen, renderer);
    if (generation !== this.generation) {
      return;
    }
    analysis.addTo(map);
    this.showFacilities(map, side, facilities);
    const dots = new CaseDots({ renderer, groups: this.groups, onClick: this.popupAt(map, at) }).addTo(map);
    dots.setSnapshot(snapshot);
    this.layers.push({ layer: dots, prefix: side });
    const data = this.container.dataset;
    data[`${side}At`] = at;
    this.writeCounts(side, dots.counts);
    data[`${side}Analyses`] = chosen.map((c) => c.definition.id).join(",");
    if (side === "after") {
      const rings = new ChangeRings({ renderer, changes: this.changes }).addTo(map);
      rings.setFeatures(this.compare.features?.features);
      this.layers.push({ layer: rings, prefix: "change" });
      this.writeChanges(rings.counts);
    }
    this.analysisLegend(side, chosen);
  }

  /** Draw a date's facility layers (beneath what comes after) and write their counts (data-before-facilities). */
  showFacilities(map, prefix, facilities) {
    this.facilityLayers = this.facilityLayers.filter((f) => {
      const stale = f.prefix === prefix;
      if (stale) {
        f.group.remove();
      }
      return !stale;
    });
    for (const { id, group } of facilities) {
      this.facilityLayers.push({ id, group, map, prefix });
      if (!this.hiddenFacilities.has(id)) {
        group.addTo(map);
        group.eachLayer((layer) => layer.bringToBack?.()); // beneath the cases on their canvas
      }
    }
    this.container.dataset[`${prefix}Facilities`] = facilities.map((f) => `${f.id}:${f.count}`).join(",");
  }

  /** A click handler opening a case's popup as it was at ``at`` (a function, so the slider can move it). */
  popupAt(map, at) {
    const when = typeof at === "function" ? at : () => at;
    return ({ item, latlng }) => openCasePopup({ map, api: this.context.api, i18n: this.i18n, item, latlng,
      at: when(), timeZone: this.context.config.timezone });
  }

  writeCounts(prefix, counts) {
    const data = this.container.dataset;
    data[`${prefix}Cases`] = String(counts.cases);
    for (const group of GROUPS) {
      data[`${prefix}${group[0].toUpperCase()}${group.slice(1)}`] = String(counts[group] || 0);
    }
  }

  writeChanges(counts) {
    for (const change of CHANGES) {
      const name = change.replace(/_(\w)/g, (_, c) => c.toUpperCase());
      this.container.dataset[`change${name[0].toUpperCase()}${name.slice(1)}`] = String(counts[change] || 0);
    }
  }

  /** A note under a map's label naming the saved analyses drawn for its date. */
  analysisLegend(side, chosen) {
    const label = this.container.querySelector(`.lv-map-label[data-side="${side}"]`);
    if (!label || chosen.length === 0) {
      return;
    }
    const names = chosen.map((c) => this.i18n.pick(c.definition.title, c.definition.id));
    label.append(el("span", { className: "lv-map-note", text: this.i18n.t("leaders.map.analyses", { names: this.i18n.join(names) }) }));
  }

  async showPlay(generation, week) {
    const element = el("div", { className: "map lv-map", attrs: { id: "map-play" } });
    this.playLabel = this.label("play", "");
    this.container.append(el("div", { className: "lv-map-box" }, [element, this.playLabel]));
    const { map } = this.newMap(element);
    const { renderer } = paneRenderer(map, "lv-play", 450);
    this.playMap = map;
    this.playRenderer = renderer;
    const weeksAt = () => this.compare.weeks?.[this.slider?.index ?? -1]?.at;
    const dots = new CaseDots({ renderer, groups: this.groups, onClick: this.popupAt(map, weeksAt) }).addTo(map);
    this.layers.push({ layer: dots, prefix: "play" });
    this.playDots = dots;
    const weeks = this.compare.weeks || [];
    this.sliderBox.hidden = false;
    this.slider = new TimeSlider({
      container: this.sliderBox, i18n: this.i18n, timeZone: this.context.config.timezone,
      onChange: (index) => this.drawWeek(generation, index),
      prefetch: (index) => this.snapshots.get(weeks[index].at, this.filters),
    }).start();
    const start = week === null ? weeks.length - 1 : week;
    await this.slider.setWeeks(weeks, start);
  }

  async drawWeek(generation, index) {
    const week = this.compare.weeks[index];
    const [snapshot, facilities] = await Promise.all([this.snapshots.get(week.at, this.filters),
      this.facilities.layers(week.at, this.playRenderer)]);
    if (generation !== this.generation || this.slider?.index !== index) {
      return; // a newer view or week took over
    }
    this.showFacilities(this.playMap, "play", facilities);
    this.playDots.setSnapshot(snapshot);
    const data = this.container.dataset;
    data.playAt = week.at;
    data.playWeek = String(index);
    this.writeCounts("play", this.playDots.counts);
    this.playLabel.textContent = this.i18n.t("leaders.map.week", { date: this.i18n.formatDateTime(week.at,
      this.context.config.timezone, { dateStyle: "medium" }) });
    this.onWeek(index);
  }

  /** Show only the state groups, kinds of change and facility layers in these sets. */
  setVisible({ groups, changes, facilities = null }) {
    this.groups = new Set(groups);
    this.changes = new Set(changes);
    if (facilities) {
      this.hiddenFacilities = new Set(this.facilities.definitions.map((d) => d.id).filter((id) => !facilities.includes(id)));
      for (const { id, group, map } of this.facilityLayers) {
        if (this.hiddenFacilities.has(id)) {
          group.remove();
        } else if (!map.hasLayer(group)) {
          group.addTo(map);
          group.eachLayer((layer) => layer.bringToBack?.());
        }
      }
    }
    for (const { layer, prefix } of this.layers) {
      if (layer instanceof CaseDots) {
        layer.setGroups(this.groups);
        this.writeCounts(prefix, layer.counts);
      } else {
        layer.setChanges(this.changes);
        this.writeChanges(layer.counts);
      }
    }
  }

  /** Let the maps fit their (new) boxes after the page's layout changed. */
  invalidate() {
    this.maps.forEach((map) => map.invalidateSize({ pan: false }));
  }
}
