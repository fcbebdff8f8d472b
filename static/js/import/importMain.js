// Entry point of the import page (/import): choose a file and a layer, read the preview (counts per
// problem, rows with their problems, the column mapping), change the mapping or the file's layer/sheet,
// commit the valid rows all-or-nothing and download the refused ones. body[data-ready] is "1" when loaded,
// "denied" without data.import; body[data-state] follows the import (preview, committed).

import { Api, goToLogin } from "../common/api.js";
import { FormMessage } from "../common/formMessage.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { ImportClient } from "./importClient.js";
import { ImportMapping } from "./importMapping.js";
import { ImportPreview } from "./importPreview.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { hasPermission } from "../common/session.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { UserMenu } from "../common/userMenu.js";

const $ = (id) => document.getElementById(id);

class ImportPage {
  constructor({ api, i18n, layers }) {
    this.api = api;
    this.i18n = i18n;
    this.client = new ImportClient(api);
    this.layers = new Map(layers.filter((layer) => layer.editable !== false).map((layer) => [layer.id, layer]));
    this.view = null;
    this.uploadMessage = new FormMessage($("upload-message"), i18n);
    this.commitMessage = new FormMessage($("commit-message"), i18n);
    this.mapping = new ImportMapping({ body: $("mapping-body"), i18n, onChange: (changes) => this.change(changes) });
    this.preview = new ImportPreview({
      elements: { counts: $("counts"), head: $("rows-head"), body: $("rows-body"), range: $("rows-range"),
        prev: $("rows-prev"), next: $("rows-next"), filter: $("rows-filter") },
      i18n, onQuery: (query) => this.page(query),
    });
  }

  start() {
    this.renderLayers();
    $("upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.upload();
    });
    $("commit-button").addEventListener("click", () => this.commit());
    $("source-select").addEventListener("change", () => {
      const key = this.view.format === "xlsx" ? "sheet" : "source_layer";
      this.change({ [key]: $("source-select").value });
    });
    $("import-layer").addEventListener("change", () => {
      if (this.view && this.view.status === "preview") {
        this.change({ layer: $("import-layer").value });
      }
    });
    this.i18n.onChange(() => {
      this.renderLayers();
      if (this.view) {
        this.render();
      }
    });
    return this;
  }

  renderLayers() {
    const select = $("import-layer");
    const current = select.value;
    select.replaceChildren(...[...this.layers.values()].map((layer) => {
      const option = document.createElement("option");
      option.value = layer.id;
      option.textContent = `${this.i18n.pick(layer.title, layer.id)} (${layer.id})`;
      return option;
    }));
    if (current) {
      select.value = current;
    }
  }

  async run(message, action) {
    document.body.dataset.busy = "1";
    message.clear();
    try {
      return await action();
    } catch (error) {
      if (!error.redirecting) {
        message.error(error);
      }
      return null;
    } finally {
      delete document.body.dataset.busy;
    }
  }

  async upload() {
    const file = $("import-file").files[0];
    if (!file) {
      this.uploadMessage.show(this.i18n.t("import.choose_file"), "error");
      return;
    }
    const view = await this.run(this.uploadMessage, () => this.client.upload(file, { layer: $("import-layer").value,
      crs: $("import-crs").value }));
    if (view) {
      this.preview.query = { ...this.preview.query, rows: "all", code: "", offset: 0 };
      $("rows-filter").value = "all";
      this.show(view);
    }
  }

  async change(changes) {
    const view = await this.run(this.commitMessage, () => this.client.change(this.view.id, changes));
    if (view) {
      this.preview.query.offset = 0;
      this.show(view, true);
    }
  }

  async page(query) {
    const view = await this.run(this.commitMessage, () => this.client.preview(this.view.id, query));
    if (view) {
      this.show(view);
    }
  }

  show(view, refetch = false) {
    this.view = view;
    this.render();
    if (refetch && (this.preview.query.rows !== "all" || this.preview.query.code)) {
      this.page(this.preview.query);
    }
  }

  render() {
    const view = this.view;
    const t = (key, params) => this.i18n.t(key, params);
    const info = view.info || {};
    const layer = this.layers.get(view.options.layer);
    document.body.dataset.state = view.status;
    $("preview-card").hidden = false;
    $("commit-card").hidden = !layer;
    $("preview-info").textContent = t("import.info", { file: view.filename, format: view.format,
      encoding: info.encoding || "—", crs: info.crs || "—" }) + (info.crs_assumed ? ` ${t("import.crs_assumed")}` : "");
    const choices = info.sheets || (info.layers && info.layers.length > 1 ? info.layers : null);
    $("source-choice").hidden = !choices;
    if (choices) {
      $("source-label").textContent = t(info.sheets ? "import.sheet" : "import.source_layer");
      $("source-select").replaceChildren(...choices.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        return option;
      }));
      $("source-select").value = info.sheet || info.layer || choices[0];
    }
    this.mapping.render(layer, view);
    this.preview.render(view);
    const locked = view.status !== "preview";
    for (const control of document.querySelectorAll("#mapping-body select, #mapping-body input, #source-select")) {
      control.disabled = locked;
    }
    const valid = view.counts.valid ?? 0;
    const button = $("commit-button");
    button.textContent = t("import.commit", { count: this.i18n.formatNumber(valid),
      layer: layer ? this.i18n.pick(layer.title, layer.id) : "" });
    button.disabled = view.status !== "preview" || valid === 0;
    $("refused-link").href = this.client.refusedUrl(view.id, this.i18n.lang);
    $("refused-link").hidden = !(view.counts.refused > 0);
    if (view.status === "committed" && view.result) {
      this.commitMessage.show(t("import.committed", { count: this.i18n.formatNumber(view.result.created),
        layer: layer ? this.i18n.pick(layer.title, layer.id) : view.result.layer }), "success");
    }
  }

  async commit() {
    const result = await this.run(this.commitMessage, () => this.client.commit(this.view.id, this.view.counts.valid));
    if (result) {
      this.view = { ...this.view, status: "committed", result };
      this.render();
    }
  }
}

function showNotice(text) {
  const notice = $("import-notice");
  notice.textContent = text;
  notice.hidden = false;
}

async function start() {
  const body = document.body;
  const i18n = new I18n({ storage: safeStorage() });
  const api = new Api();
  let session;
  try {
    [session] = await Promise.all([api.session(), i18n.load()]);
  } catch (error) {
    showNotice(`无法加载 / Could not load: ${error.message}`);
    body.dataset.ready = "error";
    throw error;
  }
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  i18n.apply(document);
  new LanguageToggle({ button: $("language-toggle"), i18n }).start();
  new AreaBreadcrumb({ container: document.getElementById("area-breadcrumb"), api, i18n, user: session.user }).start();
  new UserMenu({ container: $("user-menu"), api, i18n, user: session.user, page: "import" }).start();
  if (!hasPermission(session.user, "data.import")) {
    $("import-denied").hidden = false;
    body.dataset.ready = "denied";
    return;
  }
  const layers = await api.layers();
  new ImportPage({ api, i18n, layers }).start();
  $("import-content").hidden = false;
  body.dataset.ready = "1";
}

start().catch((error) => {
  console.error("import page failed to start:", error);
});
