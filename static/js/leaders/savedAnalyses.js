// Saved coverage and gap analyses (layers whose definition has rules.analysis, see web/analysis.py) for a
// date: per kind and subject (the facility layer of a coverage, the point layer of a gap analysis) the newest
// result computed for an instant up to that date. A result's instant is its parameters' `at` when the planner
// gave one (a plain date is that day in the project's time zone), else when it was saved (its features'
// valid_from). Results are read-only, so each is fetched once.

import * as L from "../../vendor/leaflet-1.9.4/leaflet-src.esm.js";
import { completeDefinition, savedAnalysisKind } from "../analysis/analysisProperties.js";
import { geometryToLayer } from "../common/geometry.js";
import { dateOf, isDate } from "./leadersUrl.js";
import { featureClassKey, pathOptions } from "../common/styles.js";

const KINDS = new Set(["coverage", "gaps"]);

function subjectOf(definition) {
  const analysis = definition.rules.analysis;
  return savedAnalysisKind(definition) === "coverage" ? analysis.facilities : analysis.points;
}

export class SavedAnalyses {
  /**
   * @param {object} options
   * @param {import("./leadersApi.js").LeadersApi} options.leaders
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<object>} options.definitions every layer of /api/layers
   * @param {object} options.analysisKinds the analysis kinds' declarations (/api/analysis/kinds)
   * @param {string} options.timeZone the project's time zone
   */
  constructor({ leaders, i18n, definitions, analysisKinds, timeZone }) {
    this.leaders = leaders;
    this.timeZone = timeZone;
    this.i18n = i18n;
    this.definitions = definitions.filter((d) => KINDS.has(savedAnalysisKind(d)))
      .map((d) => completeDefinition(d, i18n, definitions, analysisKinds));
    this.instants = null;
    this.features = new Map(); // layer id -> Promise<features>
  }

  /** Each saved result's instant (ms) or date (YYYY-MM-DD), read once. */
  async load() {
    if (!this.instants) {
      this.instants = Promise.all(this.definitions.map(async (definition) => {
        const text = definition.rules.analysis.at;
        if (isDate(text)) {
          return [definition.id, text];
        }
        const given = Date.parse(text ?? "");
        if (Number.isFinite(given)) {
          return [definition.id, given];
        }
        const page = await this.leaders.features(definition.id, { limit: 1 });
        const saved = Date.parse(page.features?.[0]?.valid_from ?? "");
        return [definition.id, Number.isFinite(saved) ? saved : null];
      })).then((pairs) => new Map(pairs));
    }
    return this.instants;
  }

  /** The saved results that describe the situation at ``instant`` (ISO 8601 or ms). */
  async forInstant(instant) {
    const instants = await this.load();
    const limit = new Date(instant).getTime();
    const day = dateOf(instant, this.timeZone);
    const newest = new Map(); // kind + subject -> [definition, instant]
    for (const definition of this.definitions) {
      const given = instants.get(definition.id);
      // A date counts from its first moment: the day of ``instant`` or any before it.
      const usable = typeof given === "string" ? given <= day : given !== null && given !== undefined && given <= limit;
      if (!usable) {
        continue;
      }
      const at = typeof given === "string" ? Date.parse(`${given}T00:00:00Z`) : given;
      const key = `${savedAnalysisKind(definition)}:${subjectOf(definition)}`;
      if (!newest.has(key) || newest.get(key)[1] < at) {
        newest.set(key, [definition, at]);
      }
    }
    return [...newest.values()].map(([definition, at]) => ({ definition, at }));
  }

  /** A layer group drawing the results ``chosen`` (from forInstant) on ``renderer``. */
  async layerGroup(chosen, renderer) {
    const group = L.layerGroup();
    for (const { definition } of chosen) {
      if (!this.features.has(definition.id)) {
        const promise = this.leaders.features(definition.id).then((page) => page.features || []);
        promise.catch(() => this.features.delete(definition.id));
        this.features.set(definition.id, promise);
      }
      const style = definition.style || {};
      for (const feature of await this.features.get(definition.id)) {
        const key = featureClassKey(definition, feature.properties);
        const layer = geometryToLayer(feature.geometry, (type) => ({ ...pathOptions(style, key, type), renderer,
          interactive: false }));
        if (layer) {
          group.addLayer(layer);
        }
      }
    }
    return group;
  }
}
