// The analysis panel's form: which analysis, and its parameters. Distances offer the presets of the
// chosen facility layer with the source each cites; gap thresholds per road class come from the presets
// too and stay editable. Values live in this.values and survive re-renders (language switches, new layers).

import { checkField, numberField, radioField, selectField } from "./analysisFields.js";
import { defaultRadius, gapPresets, labelSource, radiusPresets, radiusSource } from "./analysisPresets.js";
import { el } from "../common/dom.js";
import { geometryKind } from "../common/styles.js";

export const KINDS = ["coverage", "gaps", "proposals", "hotspots", "recurrence"];
export const KIND_KEYS = {
  coverage: "analysis.kind.coverage",
  gaps: "analysis.kind.gaps",
  proposals: "analysis.kind.proposals",
  hotspots: "analysis.kind.hotspots",
  recurrence: "analysis.kind.recurrence",
};
const HINT_KEYS = {
  coverage: "analysis.hint.coverage",
  gaps: "analysis.hint.gaps",
  proposals: "analysis.hint.proposals",
  hotspots: "analysis.hint.hotspots",
  recurrence: "analysis.hint.recurrence",
};
const CONFIDENCE_KEYS = { verified: "analysis.confidence.verified", "fairly sure": "analysis.confidence.fairly_sure" };
const BIN_CATEGORY_KEYS = {
  commercial: "analysis.bin_category.commercial",
  arterial: "analysis.bin_category.arterial",
  ordinary: "analysis.bin_category.ordinary",
};
const BROKEN_KEYS = { streetlights: "analysis.field.broken_lamps", bins: "analysis.field.broken_bins" };
const FACILITY_ORDER = ["collection_points", "toilets", "bins"];
const GAP_POINT_LAYERS = ["streetlights", "bins"];
const INCIDENT_LAYERS = ["blackspots"];
const TARGET_ORDER = ["buildings", "grid", "roads"];

// How far from a street's centre line a lamp or bin still counts for that street (the server's default).
const DEFAULT_SNAP_M = 15;

const pickFrom = (preferred, pool) => preferred.find((id) => pool.includes(id)) ?? pool[0] ?? "";

export class AnalysisForm {
  /**
   * @param {object} options
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {Array<object>} options.definitions the layers (facility, target and point layers to offer)
   * @param {function(): void} options.onSubmit the Run button was pressed
   */
  constructor({ i18n, definitions, onSubmit }) {
    this.i18n = i18n;
    this.definitions = definitions;
    this.presets = null;
    this.kind = KINDS[0];
    this.values = null;
    this.busy = false;
    this.form = el("form", { className: "analysis-form", attrs: { id: "analysis-form", novalidate: true } });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!this.busy) {
        onSubmit();
      }
    });
  }

  get element() {
    return this.form;
  }

  /** The presets arrived: fill in every default and show the form. */
  setPresets(presets) {
    this.presets = presets;
    this.values = this.defaults();
    this.render();
  }

  /** The layer list changed (a result was saved): offer the new layers, keep what was chosen. */
  setDefinitions(definitions) {
    this.definitions = definitions;
    if (this.values) {
      this.render();
    }
  }

  setBusy(busy) {
    this.busy = busy;
    const run = this.form.querySelector("#analysis-run");
    if (run) {
      run.disabled = busy;
      run.textContent = this.i18n.t(busy ? "analysis.running_button" : "analysis.run");
      run.setAttribute("aria-busy", String(busy));
    }
  }

  pointLayers() {
    return this.definitions.filter((d) => geometryKind(d) === "point");
  }

  layerOptions(definitions) {
    return definitions.map((d) => ({ value: d.id, text: this.i18n.pick(d.title, d.id) }));
  }

  defaults() {
    const points = this.pointLayers().map((d) => d.id);
    const all = this.definitions.map((d) => d.id);
    const facilities = pickFrom(FACILITY_ORDER, points);
    const gapPoints = pickFrom(GAP_POINT_LAYERS, points);
    return {
      // Coverage and proposed sites share their settings: one usually follows the other.
      siting: {
        facilities,
        targets: pickFrom(TARGET_ORDER, all),
        metric: "euclidean",
        radius_m: defaultRadius(this.presets, facilities) ?? 100,
        count: 5,
      },
      gaps: {
        points: gapPoints, max_gap_m: gapPresets(this.presets, gapPoints).thresholds, snap_m: DEFAULT_SNAP_M,
        exclude_broken: true,
      },
      hotspots: { layer: pickFrom(INCIDENT_LAYERS, points), cell: "hex", size_m: 100 },
      recurrence: { layer: pickFrom(INCIDENT_LAYERS, points), radius_m: 20 },
    };
  }

  /** The request body of the chosen analysis. */
  params() {
    const v = this.values;
    switch (this.kind) {
      case "coverage":
      case "proposals": {
        const { facilities, targets, metric, radius_m: radius, count } = v.siting;
        const body = { facilities, targets, metric, radius_m: radius };
        if (this.kind === "proposals" && count !== null) {
          body.count = count;
        }
        return body;
      }
      case "gaps":
        return { points: v.gaps.points, max_gap_m: { ...v.gaps.max_gap_m }, snap_m: v.gaps.snap_m,
          exclude_broken: v.gaps.exclude_broken };
      case "hotspots":
        return { layer: v.hotspots.layer, cell: v.hotspots.cell, size_m: v.hotspots.size_m };
      default:
        return { layer: v.recurrence.layer, radius_m: v.recurrence.radius_m };
    }
  }

  /** The first field that cannot be sent as it is: {id, text}, or null when the form is complete. */
  problem() {
    const needPositive = (id, value, labelKey) => (value === null || !(value > 0)
      ? { id, text: this.i18n.t("analysis.need_number", { field: this.i18n.t(labelKey) }) } : null);
    const v = this.values;
    if (!v) {
      return { id: "analysis-kind", text: this.i18n.t("analysis.presets_loading") };
    }
    switch (this.kind) {
      case "coverage":
      case "proposals": {
        const radius = needPositive("analysis-radius", v.siting.radius_m, "analysis.field.radius");
        if (radius || this.kind === "coverage") {
          return radius;
        }
        const count = v.siting.count;
        return count === null || (Number.isInteger(count) && count >= 1) ? null
          : { id: "analysis-count", text: this.i18n.t("analysis.need_count") };
      }
      case "gaps": {
        for (const [cls, value] of Object.entries(v.gaps.max_gap_m)) {
          const problem = needPositive(`analysis-threshold-${cls}`, value, "analysis.field.thresholds");
          if (problem) {
            return problem;
          }
        }
        return needPositive("analysis-snap", v.gaps.snap_m, "analysis.field.snap");
      }
      case "hotspots":
        return needPositive("analysis-size", v.hotspots.size_m, "analysis.field.cell_size");
      default:
        return needPositive("analysis-radius", v.recurrence.radius_m, "analysis.field.merge_radius");
    }
  }

  /** Rebuild the form in the current language from this.values. */
  render() {
    const t = (key, params) => this.i18n.t(key, params);
    const focused = this.form.contains(document.activeElement) ? document.activeElement.id : null;
    if (!this.values) {
      this.form.replaceChildren(el("p", { className: "analysis-loading", text: t("analysis.presets_loading") }));
      return;
    }
    const kindSelect = selectField({
      id: "analysis-kind",
      label: t("analysis.field.kind"),
      options: KINDS.map((kind) => ({ value: kind, text: t(KIND_KEYS[kind]) })),
      value: this.kind,
      onChange: (kind) => {
        this.kind = kind;
        this.render();
      },
    });
    const run = el("button", { className: "button button-primary analysis-run", text: t("analysis.run"),
      attrs: { type: "submit", id: "analysis-run" } });
    this.form.dataset.kind = this.kind;
    this.form.replaceChildren(
      kindSelect,
      el("p", { className: "field-hint analysis-kind-hint", text: t(HINT_KEYS[this.kind]) }),
      ...this.fields(),
      el("div", { className: "analysis-actions" }, [run]),
    );
    this.setBusy(this.busy);
    if (focused) {
      this.form.querySelector(`#${CSS.escape(focused)}`)?.focus();
    }
  }

  fields() {
    switch (this.kind) {
      case "coverage":
        return this.sitingFields(false);
      case "proposals":
        return this.sitingFields(true);
      case "gaps":
        return this.gapFields();
      case "hotspots":
        return this.hotspotFields();
      default:
        return this.recurrenceFields();
    }
  }

  metricField(values) {
    return radioField({
      name: "analysis-metric",
      legend: this.i18n.t("analysis.field.metric"),
      options: [
        { value: "euclidean", text: this.i18n.t("analysis.metric.euclidean") },
        { value: "network", text: this.i18n.t("analysis.metric.network") },
      ],
      value: values.metric,
      onChange: (metric) => {
        values.metric = metric;
      },
    });
  }

  sitingFields(proposals) {
    const t = (key, params) => this.i18n.t(key, params);
    const v = this.values.siting;
    const presetSlot = el("div", { className: "analysis-presets" });
    const radiusField = numberField({
      id: "analysis-radius",
      label: t("analysis.field.radius"),
      value: v.radius_m,
      min: 0,
      onInput: (value) => {
        v.radius_m = value;
        this.markPreset(presetSlot, value);
      },
    });
    const facilities = selectField({
      id: "analysis-facilities",
      label: t(proposals ? "analysis.field.existing" : "analysis.field.facilities"),
      options: this.layerOptions(this.pointLayers()),
      value: v.facilities,
      onChange: (id) => {
        v.facilities = id;
        const radius = defaultRadius(this.presets, id);
        if (radius !== null) {
          v.radius_m = radius;
          radiusField.querySelector("input").value = String(radius);
        }
        this.fillPresets(presetSlot, id, v);
      },
    });
    const targets = selectField({
      id: "analysis-targets",
      label: t("analysis.field.targets"),
      options: this.layerOptions(this.definitions),
      value: v.targets,
      onChange: (id) => {
        v.targets = id;
      },
    });
    this.fillPresets(presetSlot, v.facilities, v);
    const fields = [facilities, targets, this.metricField(v), radiusField, presetSlot];
    if (proposals) {
      fields.push(numberField({
        id: "analysis-count",
        label: t("analysis.field.count"),
        value: v.count,
        min: 1,
        max: 1000,
        step: 1,
        hint: t("analysis.hint.count"),
        onInput: (value) => {
          v.count = value;
        },
      }));
    }
    return fields;
  }

  /** The preset distances of facility layer ``layerId`` as buttons: number — source. */
  fillPresets(slot, layerId, values) {
    const t = (key, params) => this.i18n.t(key, params);
    const list = radiusPresets(this.presets, layerId);
    slot.replaceChildren();
    slot.dataset.layerId = layerId;
    if (list.length === 0) {
      slot.append(el("p", { className: "field-hint", text: t("analysis.no_presets") }));
      return;
    }
    const radiusInput = () => this.form.querySelector("#analysis-radius");
    const buttons = list.map((preset) => {
      const source = this.presetSource(preset);
      const confidence = preset.confidence
        ? (CONFIDENCE_KEYS[preset.confidence] ? t(CONFIDENCE_KEYS[preset.confidence]) : String(preset.confidence)) : null;
      const button = el("button", {
        className: "analysis-preset",
        attrs: { type: "button", "aria-pressed": "false" },
        dataset: { radius: preset.radius },
      }, [
        el("span", { className: "analysis-preset-value",
          text: t("analysis.metres", { value: this.i18n.formatNumber(preset.radius) }) }),
        source ? el("span", { className: "analysis-preset-source", text: source }) : null,
        confidence ? el("span", { className: "analysis-preset-confidence", text: confidence }) : null,
      ]);
      button.addEventListener("click", () => {
        values.radius_m = preset.radius;
        const input = radiusInput();
        if (input) {
          input.value = String(preset.radius);
        }
        this.markPreset(slot, preset.radius);
      });
      return el("li", {}, [button]);
    });
    slot.append(
      el("p", { className: "field-label analysis-presets-title", text: t("analysis.presets_title") }),
      el("ul", { className: "analysis-preset-list" }, buttons),
    );
    const note = radiusSource(this.presets, layerId);
    if (note && list.some((p) => p.label || p.spacing)) {
      slot.append(el("p", { className: "field-hint analysis-source",
        text: t("analysis.source", { source: this.i18n.pick(note) }) }));
    }
    if (list.some((p) => p.spacing)) {
      slot.append(el("p", { className: "field-hint", text: t("analysis.hint.bin_spacing") }));
    }
    this.markPreset(slot, values.radius_m);
  }

  /** The source text shown beside a preset's number. */
  presetSource(preset) {
    if (preset.spacing) {
      const key = BIN_CATEGORY_KEYS[preset.category];
      const category = key ? this.i18n.t(key) : preset.category;
      return this.i18n.t("analysis.preset.half_spacing", { category, spacing: this.i18n.formatNumber(preset.spacing) });
    }
    if (preset.label) {
      return labelSource(this.i18n.pick(preset.label));
    }
    return preset.source ? this.i18n.pick(preset.source) : "";
  }

  markPreset(slot, radius) {
    for (const button of slot.querySelectorAll(".analysis-preset")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.radius) === radius));
    }
  }

  gapFields() {
    const t = (key, params) => this.i18n.t(key, params);
    const v = this.values.gaps;
    const points = this.pointLayers().map((d) => d.id);
    const offered = GAP_POINT_LAYERS.filter((id) => points.includes(id));
    const options = this.layerOptions((offered.length ? offered : points)
      .map((id) => this.definitions.find((d) => d.id === id)));
    const pointsField = selectField({
      id: "analysis-points",
      label: t("analysis.field.gap_points"),
      options,
      value: v.points,
      onChange: (id) => {
        v.points = id;
        v.max_gap_m = gapPresets(this.presets, id).thresholds;
        this.render();
      },
    });
    const preset = gapPresets(this.presets, v.points);
    const roads = this.definitions.find((d) => d.id === "roads");
    const classSpec = roads?.properties?.class;
    const order = Array.isArray(classSpec?.enum) ? classSpec.enum.map(String) : [];
    const classes = [...order.filter((c) => c in v.max_gap_m),
      ...Object.keys(v.max_gap_m).filter((c) => !order.includes(c))];
    const rows = classes.map((cls) => {
      const id = `analysis-threshold-${cls}`;
      const input = el("input", {
        className: "field-input analysis-number",
        attrs: { id, type: "number", inputmode: "decimal", min: 0, step: "any", required: true },
        dataset: { roadClass: cls },
      });
      input.value = v.max_gap_m[cls] === null ? "" : String(v.max_gap_m[cls]);
      input.addEventListener("input", () => {
        const number = input.value.trim() === "" ? null : Number(input.value);
        v.max_gap_m[cls] = Number.isFinite(number) ? number : null;
      });
      const label = classSpec?.enum_labels?.[cls] ? this.i18n.pick(classSpec.enum_labels[cls], cls) : cls;
      const presetValue = preset.thresholds[cls];
      return el("tr", { dataset: { roadClass: cls } }, [
        el("th", { attrs: { scope: "row" } }, [el("label", { text: label, attrs: { for: id } })]),
        el("td", {}, [input]),
        el("td", { className: "analysis-threshold-preset",
          text: Number.isFinite(presetValue) ? t("analysis.metres", { value: this.i18n.formatNumber(presetValue) }) : "" }),
      ]);
    });
    const table = el("table", { className: "analysis-thresholds" }, [
      el("caption", { className: "field-label", text: t("analysis.field.thresholds") }),
      el("thead", {}, [el("tr", {}, [
        el("th", { text: t("analysis.col.road_class"), attrs: { scope: "col" } }),
        el("th", { text: t("analysis.col.threshold"), attrs: { scope: "col" } }),
        el("th", { text: t("analysis.col.preset"), attrs: { scope: "col" } }),
      ])]),
      el("tbody", {}, rows),
    ]);
    return [
      pointsField,
      table,
      preset.source ? el("p", { className: "field-hint analysis-source",
        text: t("analysis.source", { source: this.i18n.pick(preset.source) }) }) : null,
      numberField({
        id: "analysis-snap", label: t("analysis.field.snap"), value: v.snap_m, min: 0, max: 200,
        hint: t("analysis.hint.snap"), onInput: (value) => {
          v.snap_m = value;
        },
      }),
      checkField({
        id: "analysis-exclude-broken",
        label: t(BROKEN_KEYS[v.points] || "analysis.field.broken_other"),
        checked: v.exclude_broken,
        onChange: (checked) => {
          v.exclude_broken = checked;
        },
      }),
    ].filter(Boolean);
  }

  hotspotFields() {
    const t = (key, params) => this.i18n.t(key, params);
    const v = this.values.hotspots;
    return [
      selectField({
        id: "analysis-layer", label: t("analysis.field.incidents"), options: this.layerOptions(this.pointLayers()),
        value: v.layer, onChange: (id) => {
          v.layer = id;
        },
      }),
      radioField({
        name: "analysis-cell", legend: t("analysis.field.cell"),
        options: [{ value: "hex", text: t("analysis.cell.hex") }, { value: "square", text: t("analysis.cell.square") }],
        value: v.cell, onChange: (cell) => {
          v.cell = cell;
        },
      }),
      numberField({
        id: "analysis-size", label: t("analysis.field.cell_size"), value: v.size_m, min: 5, max: 5000,
        hint: t("analysis.hint.cell_size"), onInput: (value) => {
          v.size_m = value;
        },
      }),
    ];
  }

  recurrenceFields() {
    const t = (key, params) => this.i18n.t(key, params);
    const v = this.values.recurrence;
    return [
      selectField({
        id: "analysis-layer", label: t("analysis.field.incidents"), options: this.layerOptions(this.pointLayers()),
        value: v.layer, onChange: (id) => {
          v.layer = id;
        },
      }),
      numberField({
        id: "analysis-radius", label: t("analysis.field.merge_radius"), value: v.radius_m, min: 0, max: 500,
        hint: t("analysis.hint.merge_radius"), onInput: (value) => {
          v.radius_m = value;
        },
      }),
    ];
  }
}
