// Report a new blackspot from the phone: the place (the phone's position, a tap on the map, or the
// position a photo was taken at), the category, a description and an optional photo taken first. Before
// sending, open cases of the same category nearby are offered ("是否与以下问题相同？"): the new report can
// be sent as a duplicate of one of them, or as a new case. Everything goes through the outbox.

import { el } from "../common/dom.js";
import { categoryIcon } from "./fieldIcons.js";
import { formatDistance } from "./fieldGeo.js";
import { queueLoosePhoto, queueReport } from "./fieldWrites.js";

const round7 = (value) => Math.round(value * 1e7) / 1e7;
const PLACE_KEYS = { gps: "field.place_gps", map: "field.place_map", photo: "field.place_photo" };
const SOURCE_KEYS = { gps: "field.source_gps", map: "field.source_map", photo: "field.source_photo" };

export class FieldReport {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the report view (its parts are found by data-part)
   * @param {import("../common/api.js").Api} options.api
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("./fieldMap.js").FieldMap} options.map
   * @param {import("./fieldGeo.js").Position} options.position
   * @param {Array<object>} options.categories
   * @param {object} options.groups category groups {code: {zh-CN, en}}
   * @param {import("../common/i18n.js").I18n} options.i18n
   * @param {function(number): void} options.onReported called with the new case's id once the server has it
   * @param {function(): void} options.onQueued called when the report waits in the outbox (offline)
   * @param {function(): void} options.onCancel
   */
  constructor({ root, api, outbox, map, position, categories, groups, i18n, onReported, onQueued, onCancel }) {
    this.root = root;
    this.api = api;
    this.outbox = outbox;
    this.map = map;
    this.position = position;
    this.categories = categories.filter((category) => category.active !== false);
    this.groups = groups || {};
    this.i18n = i18n;
    this.onReported = onReported;
    this.onQueued = onQueued;
    this.onCancel = onCancel;
    this.part = (name) => root.querySelector(`[data-part="${name}"]`);
    this.place = null; // {lonLat, source: "gps"|"map"|"photo"}
    this.photos = []; // {item, url, answer}
    this.waitingFor = null; // outbox id of the report being sent
    this.active = false;
  }

  start() {
    this.fillCategories();
    this.part("use-gps").addEventListener("click", () => this.useGps());
    this.part("photo").addEventListener("change", () => this.addPhoto());
    this.part("use-photo-place").addEventListener("click", () => this.usePhotoPlace());
    this.part("form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.part("cancel").addEventListener("click", () => this.onCancel());
    this.part("not-duplicate").addEventListener("click", () => this.send(null));
    this.part("candidates").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-duplicate-of]");
      if (button) {
        this.send(Number(button.dataset.duplicateOf));
      }
    });
    this.outbox.onSent((item, body) => this.sent(item, body));
    this.outbox.onChange(() => this.checkRefused());
    this.i18n.onChange(() => {
      this.fillCategories();
      this.renderPlace();
      this.renderPhotos();
    });
    return this;
  }

  fillCategories() {
    const select = this.part("category");
    const chosen = select.value;
    const options = [el("option", { text: this.i18n.t("field.choose_category"), attrs: { value: "" } })];
    // Grouped in the order the category table lists them (events, components, absences).
    for (const group of new Set(this.categories.map((category) => category.group))) {
      const members = this.categories.filter((category) => category.group === group);
      options.push(el("optgroup", { attrs: { label: this.i18n.pick(this.groups[group], group || "") } },
        members.map((category) => el("option", { text: this.i18n.pick(category.name, category.code),
          attrs: { value: category.code } }))));
    }
    select.replaceChildren(...options);
    select.value = chosen;
  }

  /** The view is shown: a fresh form, and taps on the map place the report. */
  open() {
    this.active = true;
    if (!this.waitingFor) {
      this.reset();
    }
    this.map.startPicking((lonLat) => this.setPlace(lonLat, "map"));
  }

  close() {
    this.active = false;
    this.map.stopPicking();
    this.map.clearPin();
  }

  reset() {
    this.place = null;
    for (const photo of this.photos) {
      URL.revokeObjectURL(photo.url);
    }
    this.photos = [];
    this.part("form").reset();
    this.part("duplicates").hidden = true;
    this.part("form").hidden = false;
    this.map.clearPin();
    this.say("", null);
    this.renderPlace();
    this.renderPhotos();
  }

  say(text, kind) {
    const message = this.part("message");
    message.textContent = text;
    message.hidden = !text;
    if (kind) {
      message.dataset.kind = kind;
    } else {
      delete message.dataset.kind;
    }
  }

  setPlace(lonLat, source) {
    this.place = { lonLat: [round7(lonLat[0]), round7(lonLat[1])], source };
    this.map.setPin(this.place.lonLat[0], this.place.lonLat[1]);
    this.part("duplicates").hidden = true;
    this.part("form").hidden = false;
    this.renderPlace();
    this.lookUpAddress(this.place);
  }

  /** The place's address from the server (offline: the coordinates stay). */
  async lookUpAddress(place) {
    const [lon, lat] = place.lonLat;
    try {
      const found = await this.api.json(this.api.url(`/places?lon=${lon}&lat=${lat}`));
      if (this.place === place && found.address) {
        place.address = found.address;
        this.renderPlace();
      }
    } catch {
      // offline or refused: the coordinates tell the place
    }
  }

  renderPlace() {
    const text = this.part("place");
    if (!this.place) {
      text.textContent = this.i18n.t("field.place_none");
      delete this.root.dataset.place;
    } else {
      const [lon, lat] = this.place.lonLat;
      text.textContent = this.place.address
        ? this.i18n.t("field.place_at", { address: this.place.address,
          source: this.i18n.t(SOURCE_KEYS[this.place.source]) })
        : this.i18n.t(PLACE_KEYS[this.place.source], { lon: lon.toFixed(6), lat: lat.toFixed(6) });
      text.title = `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
      this.root.dataset.place = this.place.source;
    }
    const offer = this.photoPlace();
    this.part("photo-place").hidden = !(offer && (!this.place || this.place.source !== "photo"));
  }

  useGps() {
    const here = this.position.lonLat();
    if (!here) {
      this.say(this.i18n.t("field.gps_unavailable"), "error");
      return;
    }
    this.say("", null);
    this.setPlace(here, "gps");
    this.map.centreOn(here);
  }

  async addPhoto() {
    const input = this.part("photo");
    const files = [...(input.files || [])];
    input.value = "";
    for (const file of files) {
      const url = URL.createObjectURL(file);
      const item = await queueLoosePhoto(this.outbox, file);
      this.photos.push({ item, url, answer: null });
    }
    this.renderPhotos();
  }

  /** The position of the first uploaded photo that has one. */
  photoPlace() {
    const photo = this.photos.find((p) => p.answer && Number.isFinite(p.answer.lon) && Number.isFinite(p.answer.lat));
    return photo ? [photo.answer.lon, photo.answer.lat] : null;
  }

  usePhotoPlace() {
    const place = this.photoPlace();
    if (place) {
      this.setPlace(place, "photo");
      this.map.centreOn(place);
    }
  }

  renderPhotos() {
    const list = this.part("photos");
    list.replaceChildren(...this.photos.map((photo) => {
      const warnings = (photo.answer?.warnings || []).map((warning) => el("li", { className: "fv-photo-warning",
        text: this.i18n.lang === "zh-CN" ? (warning.message_zh || warning.message) : warning.message }));
      const refused = !photo.answer && this.outbox.find(photo.item.id)?.state !== "queued"
        ? this.outbox.find(photo.item.id) : null;
      let caption;
      if (photo.answer) {
        caption = el("figcaption", { className: "fv-photo-state", text: this.i18n.t("field.photo_uploaded") });
      } else if (refused) {
        caption = el("figcaption", { className: "fv-badge fv-badge-conflict",
          text: this.i18n.t("field.photo_refused", { message: this.refusal(refused) }) });
      } else {
        caption = el("figcaption", { className: "fv-badge fv-badge-pending", text: this.i18n.t("field.pending") });
      }
      return el("figure", { className: `fv-photo${photo.answer ? "" : " is-pending"}`,
        dataset: { outboxId: photo.item.id, photoId: photo.answer?.id ?? "" } }, [
        el("img", { className: "fv-photo-img", attrs: { src: photo.url, alt: this.i18n.t("field.photo_alt") } }),
        caption,
        warnings.length ? el("ul", { className: "fv-photo-warnings" }, warnings) : null,
      ]);
    }));
    list.hidden = this.photos.length === 0;
    this.renderPlace();
  }

  /** Check the form, then ask about nearby open cases of the category (when the server can be asked). */
  async submit() {
    const category = this.part("category").value;
    if (!this.place) {
      this.say(this.i18n.t("field.place_missing"), "error");
      return;
    }
    if (!category) {
      this.say(this.i18n.t("field.category_missing"), "error");
      this.part("category").focus();
      return;
    }
    // Asked whatever navigator.onLine says (it reads false on a LAN without internet); with no answer the
    // report goes without the question, and a dispatcher can still mark it a duplicate later.
    this.say(this.i18n.t("field.checking_duplicates"), "info");
    const [lon, lat] = this.place.lonLat;
    let candidates = [];
    try {
      const params = new URLSearchParams({ category, lon: String(lon), lat: String(lat) });
      const body = await this.api.json(this.api.url(`/cases/candidates?${params}`));
      candidates = body.candidates || [];
    } catch (error) {
      if (error.redirecting) {
        return;
      }
      candidates = []; // no answer (the connection dropped): send it anyway
    }
    if (candidates.length === 0) {
      this.send(null);
      return;
    }
    this.say("", null);
    this.showCandidates(candidates);
  }

  showCandidates(candidates) {
    this.part("candidates").replaceChildren(...candidates.map((candidate) => el("li", { className: "fv-candidate",
      dataset: { caseId: candidate.id } }, [
      categoryIcon(candidate.icon, "fv-case-icon"),
      el("span", { className: "fv-case-main" }, [
        el("span", { className: "fv-case-top" }, [
          el("span", { className: "fv-case-name", text: `${this.i18n.pick(candidate.category_name,
            candidate.category)} #${candidate.id}` }),
          el("span", { className: `fv-status fv-status-${candidate.state_group || "open"}`,
            text: this.i18n.pick(candidate.status_label, candidate.status) }),
        ]),
        el("span", { className: "fv-case-address", text: [candidate.address, candidate.description]
          .filter(Boolean).join(" · ") }),
        el("span", { className: "fv-case-address", text: this.i18n.t("field.candidate_distance",
          { distance: formatDistance(this.i18n, candidate.distance_m) }) }),
      ]),
      el("button", { className: "button fv-same", text: this.i18n.t("field.same_as_this"),
        attrs: { type: "button" }, dataset: { duplicateOf: candidate.id } }),
    ])));
    this.part("form").hidden = true;
    this.part("duplicates").hidden = false;
    this.part("duplicates").scrollIntoView({ block: "start" });
  }

  async send(duplicateOf) {
    const category = this.part("category").value;
    const description = this.part("description").value.trim();
    const [lon, lat] = this.place.lonLat;
    const report = { category, lon, lat };
    if (description) {
      report.description = description;
    }
    if (duplicateOf) {
      report.duplicate_of = duplicateOf;
    }
    this.part("duplicates").hidden = true;
    this.part("form").hidden = false;
    // A photo the server refused (not a picture, too large) stays out of the report.
    const photos = this.photos.filter((photo) => photo.answer || this.outbox.find(photo.item.id)?.state === "queued");
    const item = await queueReport(this.outbox, report, photos.map((photo) => photo.item));
    this.waitingFor = item.id;
    if (item.unreached) {
      this.finishQueued(); // the outbox's first try found no connection
      return;
    }
    this.say(this.i18n.t("field.report_sending"), "info");
    setTimeout(() => {
      if (this.waitingFor === item.id && this.outbox.find(item.id)) {
        this.finishQueued(); // no answer yet (weak signal): it stays in the outbox
      }
    }, 15_000);
  }

  /** The server refused the report (outside my grid cells, a bad field): say why and keep the form, so
   * that it can be corrected and sent again; a refused photo says so on the photo. A report the outbox
   * could not deliver (no connection) waits there, and the form is done with. */
  checkRefused() {
    if (this.photos.some((photo) => !photo.answer && this.outbox.find(photo.item.id)?.state !== "queued")) {
      this.renderPhotos();
    }
    const item = this.waitingFor ? this.outbox.find(this.waitingFor) : null;
    if (item && item.state === "queued" && item.unreached) {
      this.finishQueued();
      return;
    }
    if (!item || item.state === "queued") {
      return;
    }
    this.waitingFor = null;
    this.say(this.i18n.t("field.report_refused", { message: this.refusal(item) }), "error");
    this.outbox.discard(item.id);
  }

  refusal(item) {
    const error = item.error || {};
    return (this.i18n.lang === "zh-CN" ? (error.message_zh || error.message) : (error.message || error.message_zh))
      || String(error.status || "");
  }

  finishQueued() {
    this.waitingFor = null;
    this.reset();
    this.onQueued();
  }

  sent(item, body) {
    const photo = this.photos.find((p) => p.item.id === item.id);
    if (photo) {
      photo.answer = body;
      this.renderPhotos();
      if (!this.place && this.photoPlace()) {
        this.say(this.i18n.t("field.photo_has_place"), "info");
      }
      return;
    }
    if (item.kind === "report" && item.id === this.waitingFor && body) {
      this.waitingFor = null;
      this.reset();
      this.onReported(body.id);
    }
  }
}
