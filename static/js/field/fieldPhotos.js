// A case's photos, "before" and "after" side by side: the server's thumbnails (each a link to the full
// picture) with its warnings, and photos still in the outbox shown from their stored Blob (待同步).

import { el } from "../common/dom.js";

export class FieldPhotos {
  /**
   * @param {object} options
   * @param {HTMLElement} options.container
   * @param {import("../common/i18n.js").I18n} options.i18n
   */
  constructor({ container, i18n }) {
    this.container = container;
    this.i18n = i18n;
    this.objectUrls = [];
  }

  render(view) {
    for (const url of this.objectUrls) {
      URL.revokeObjectURL(url);
    }
    this.objectUrls = [];
    const photos = view.photos || { before: [], after: [] };
    this.container.replaceChildren(
      this.column("before", this.i18n.t("field.photos_before"), photos.before || [], view.pendingPhotos.before),
      this.column("after", this.i18n.t("field.photos_after"), photos.after || [], view.pendingPhotos.after),
    );
  }

  column(kind, title, stored, pending) {
    const items = [
      ...stored.map((photo) => this.storedPhoto(photo)),
      ...pending.map((item) => this.pendingPhoto(item)),
    ];
    if (items.length === 0) {
      items.push(el("p", { className: "fv-photo-none", text: this.i18n.t("field.photos_none") }));
    }
    return el("div", { className: `fv-photo-col fv-photo-${kind}`, dataset: { kind, count: stored.length,
      pending: pending.length } }, [el("h4", { className: "fv-photo-title", text: title }), ...items]);
  }

  storedPhoto(photo) {
    const warnings = (photo.warnings || []).map((warning) => el("li", {
      className: "fv-photo-warning",
      text: this.i18n.lang === "zh-CN" ? (warning.message_zh || warning.message) : (warning.message || warning.message_zh),
    }));
    return el("figure", { className: "fv-photo", dataset: { photoId: photo.id } }, [
      el("a", { className: "fv-photo-link", attrs: { href: photo.url, target: "_blank", rel: "noopener" } }, [
        el("img", { className: "fv-photo-img", attrs: { src: photo.thumb_url, alt: this.i18n.t("field.photo_alt"),
          loading: "lazy" } }),
      ]),
      warnings.length ? el("ul", { className: "fv-photo-warnings" }, warnings) : null,
    ]);
  }

  pendingPhoto(item) {
    let url = null;
    try {
      url = URL.createObjectURL(item.blob);
      this.objectUrls.push(url);
    } catch {
      url = null; // a Blob the browser could not keep: show the label alone
    }
    return el("figure", { className: "fv-photo is-pending", dataset: { outboxId: item.id } }, [
      url ? el("img", { className: "fv-photo-img", attrs: { src: url, alt: this.i18n.t("field.photo_alt") } }) : null,
      el("figcaption", { className: "fv-badge fv-badge-pending", text: this.i18n.t("field.pending") }),
    ]);
  }
}
