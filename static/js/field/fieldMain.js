// Entry point of the field view (/field), the phone page of 网格员, sanitation workers and inspectors:
// asks /api/session who is logged in (nobody: off to the login page), loads translations, config,
// categories, the workflow and the layer list, then wires the map, the worklist, case details, reports,
// rounds, the outbox and its conflicts. The service worker (/sw.js) keeps what the page read for offline
// use. Nothing is exposed on window; tests read data attributes (body[data-ready], body[data-offline],
// body[data-view], the list's data-count, the map's data-* and the badge's data-count).

import { Api, goToLogin } from "../common/api.js";
import { CaseBook } from "./fieldCases.js";
import { FieldConflicts } from "./fieldConflicts.js";
import { FieldDetail } from "./fieldDetail.js";
import { Position } from "./fieldGeo.js";
import { FieldLegend } from "./fieldLegend.js";
import { FieldList } from "./fieldList.js";
import { FieldMap } from "./fieldMap.js";
import { FieldReport } from "./fieldReport.js";
import { FieldRound } from "./fieldRound.js";
import { SyncStatus } from "./fieldSync.js";
import { FieldViews } from "./fieldViews.js";
import { describeWrite } from "./fieldWrites.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { outboxLogoutGuard } from "./logoutGuard.js";
import { Outbox } from "./outbox.js";
import { AreaBreadcrumb } from "../common/areaBreadcrumb.js";
import { UserMenu } from "../common/userMenu.js";

const WORKER_URL = "/sw.js";
const WORKER_SCOPE = "/field";
const MAP_COLLAPSED_KEY = "chuangwei.field.mapCollapsed";
const THUMB = /^\/api\/photos\/\d+\/thumb$/;

/** The API client, remembering every address it read (read again once the service worker controls the
 * page, so that the first visit's answers are stored for offline use too). */
class RecordingApi extends Api {
  constructor(options) {
    super(options);
    this.seen = new Set();
  }

  request(url, options = {}) {
    if ((options.method || "GET") === "GET") {
      this.seen.add(url);
    }
    return super.request(url, options);
  }
}

/** Ask the service worker to keep ``urls`` and to answer once every cache write is done. */
function storeForOffline(worker, urls) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(resolve, 60_000); // a worker that never answers must not hold the page
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve();
    };
    worker.postMessage({ type: "field-store", urls }, [channel.port2]);
  });
}

/** Register the service worker; body[data-offline] becomes "ready" once what the page read is stored
 * (on the first visit it is read again through the worker, which only then controls the page). */
async function registerWorker(api, body, loaded) {
  const container = globalThis.navigator?.serviceWorker;
  if (!container || !globalThis.isSecureContext) {
    body.dataset.offline = "unsupported"; // plain HTTP on a LAN address, or a browser without workers
    return;
  }
  const controlled = Boolean(container.controller);
  const controlling = new Promise((resolve) => {
    container.addEventListener("controllerchange", resolve, { once: true });
  });
  try {
    await container.register(WORKER_URL, { scope: WORKER_SCOPE });
  } catch (error) {
    console.warn("service worker not registered:", error);
    body.dataset.offline = "failed";
    return;
  }
  if (!controlled) {
    await controlling;
  }
  await loaded;
  const thumbs = controlled ? [] : performance.getEntriesByType("resource").map((entry) => new URL(entry.name))
    .filter((url) => url.origin === globalThis.location.origin && THUMB.test(url.pathname))
    .map((url) => url.pathname);
  await storeForOffline(container.controller, controlled ? [] : [...api.seen, ...thumbs]);
  body.dataset.offline = "ready";
}

/** Offer a reload when the service worker says a newer file arrived. Listening starts as soon as this
 * module runs: the worker's messages wait for it (they would be lost once the page has loaded). */
function offerUpdates() {
  const container = globalThis.navigator?.serviceWorker;
  const button = document.getElementById("field-update");
  if (!container || !button) {
    return;
  }
  button.addEventListener("click", () => globalThis.location.reload());
  container.addEventListener("message", (event) => {
    if (event.data?.type === "field-updated") {
      button.hidden = false;
    }
  });
  container.startMessages?.();
}

/** The label of the step ``from`` → ``to`` ("核查结案"; ``from`` may be unknown while the list loads, then
 * the one step into ``to`` if there is only one), else the target state's ("已结案"). */
function stepLabel(workflow, from, to) {
  const into = (workflow.transitions || []).filter((t) => t.to === to);
  const step = into.find((t) => t.from === from) || (into.length === 1 ? into[0] : null);
  return step ? step.label : workflow.states[to]?.label;
}

function showNotice(notice, text) {
  notice.textContent = text;
  notice.hidden = !text;
}

async function loadBasics(api, i18n) {
  const [session] = await Promise.all([api.session(), i18n.load()]);
  if (!session.user) {
    return { session };
  }
  const [config, categories, workflow, definitions] = await Promise.all([
    api.config(), api.json(api.url("/categories")), api.json(api.url("/workflow")), api.layers(),
  ]);
  return { session, config, categories, workflow, definitions };
}

function mapToggle({ body, button, map, storage, i18n }) {
  const apply = (collapsed) => {
    body.classList.toggle("map-collapsed", collapsed);
    button.setAttribute("aria-expanded", String(!collapsed));
    button.textContent = i18n.t(collapsed ? "field.map_show" : "field.map_hide");
    storage.setItem(MAP_COLLAPSED_KEY, collapsed ? "1" : "0");
    setTimeout(() => map.resize(), 0);
  };
  button.addEventListener("click", () => apply(!body.classList.contains("map-collapsed")));
  i18n.onChange(() => apply(body.classList.contains("map-collapsed")));
  apply(storage.getItem(MAP_COLLAPSED_KEY) === "1");
  return { expand: () => apply(false) };
}

/** Keeps the worklist current: asked nearest first once the phone's position is known (later moves only
 * re-sort it here), and asked again whenever the outbox has sent everything, so the server's word replaces
 * the optimistic one. */
class ListLoader {
  constructor({ book, position, outbox, map, list, onError }) {
    Object.assign(this, { book, position, outbox, map, list, onError });
    this.hasNear = false;
    this.loading = null;
  }

  start() {
    this.position.onChange((here) => {
      this.map.setHere(here);
      if (here && this.book.loaded && !this.hasNear && !this.loading) {
        this.load();
      } else {
        this.list.render();
      }
    });
    let unsent = 0;
    this.outbox.onChange(() => {
      const now = this.outbox.items.length;
      if (unsent > 0 && now === 0) {
        this.load();
      }
      unsent = now;
    });
    return this;
  }

  load() {
    this.loading = this.loading || (async () => {
      const near = this.position.lonLat();
      try {
        await this.book.loadList(near);
        this.hasNear = Boolean(near);
        this.onError(null);
      } catch (error) {
        if (!error.redirecting) {
          this.onError(error);
        }
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The first load; the map fits the cases it lists. */
  async first() {
    await this.load();
    this.map.fitCases(this.list.shown, this.position.lonLat());
    if (!this.hasNear && this.position.lonLat()) {
      await this.load(); // the position came while the list was on its way
    }
  }
}

async function start() {
  const body = document.body;
  const storage = safeStorage();
  const i18n = new I18n({ storage });
  const api = new RecordingApi();
  const notice = document.getElementById("field-notice");
  let basics;
  try {
    basics = await loadBasics(api, i18n);
  } catch (error) {
    if (error.redirecting) {
      body.dataset.ready = "login";
      return;
    }
    showNotice(notice, i18n.tables.size ? i18n.t("field.load_failed", { message: i18n.errorMessage(error) })
      : `无法加载外业工作台 / Could not load the field view: ${error.message}`);
    body.dataset.ready = "error";
    throw error;
  }
  const { session, config, categories, workflow, definitions } = basics;
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  const user = session.user;
  const timeZone = config.timezone;
  document.getElementById("demo-badge").hidden = !config.demo;
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  const outbox = new Outbox({ api, user: user.name });
  new AreaBreadcrumb({ container: document.getElementById("area-breadcrumb"), api, i18n, user }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user, page: "field",
    beforeLogout: outboxLogoutGuard({ outbox, i18n }) }).start();
  const book = new CaseBook({ api, outbox, workflow, user });
  const position = new Position();
  let views = null;
  const openCase = (id) => views.go(`#case/${id}`);
  const map = new FieldMap({ element: document.getElementById("field-map"), api, i18n, config, storage,
    basemapSelect: document.getElementById("basemap-select"), onCaseClick: openCase }).start();
  const toggle = mapToggle({ body, button: document.getElementById("map-toggle"), map, storage, i18n });
  const categoryList = categories.categories || [];

  let shownCase = null;
  let focused = null;
  const list = new FieldList({
    list: document.getElementById("case-list"), status: document.getElementById("list-status"),
    groupButtons: document.getElementById("group-filter"), categorySelect: document.getElementById("category-filter"),
    book, position, categories: categoryList, i18n, onOpen: openCase,
    onShown: (shown) => {
      const extra = shownCase && !shown.some((view) => view.id === shownCase.id) ? [shownCase] : [];
      map.setCases([...shown, ...extra], shownCase ? shownCase.id : null);
    },
  });
  const detail = new FieldDetail({ root: document.getElementById("view-detail"), book, outbox, i18n, workflow,
    timeZone, gridName: (code) => map.gridName(code), onShow: (view) => {
      shownCase = view;
      list.render();
      if (view && focused !== view.id) {
        focused = view.id;
        map.focusCase(view);
      }
      if (!view) {
        focused = null;
      }
    } });
  const report = new FieldReport({ root: document.getElementById("view-report"), api, outbox, map, position,
    categories: categoryList, groups: categories.groups, i18n,
    onReported: openCase, onQueued: () => views.home(), onCancel: () => views.home() });
  const round = new FieldRound({ root: document.getElementById("view-round"), api, map, position,
    grids: user.grid_codes || [], gridName: (code) => map.gridName(code), i18n, onOpen: openCase,
    openCases: () => book.views().filter((view) => view.state_group === "open"
      && (!list.category || view.category === list.category)) });
  views = new FieldViews({
    views: { list: document.getElementById("view-list"), detail: document.getElementById("view-detail"),
      report: document.getElementById("view-report"), round: document.getElementById("view-round") },
    handlers: {
      list: { enter: () => list.render() },
      detail: { enter: (route) => detail.open(route.id), leave: () => detail.close() },
      report: { enter: () => {
        toggle.expand();
        report.open();
      }, leave: () => report.close() },
      round: { enter: () => {
        map.showCases(false);
        round.open();
      }, leave: () => map.showCases(true) },
    },
    onChange: (name) => {
      document.getElementById("field-panel").scrollTo?.(0, 0);
      if (shownView !== null && name !== shownView) {
        showNotice(refused, "");
      }
      shownView = name;
    },
  });

  new SyncStatus({ badge: document.getElementById("sync-badge"), line: document.getElementById("field-line"),
    outbox, book, i18n, timeZone }).start();
  new FieldConflicts({ container: document.getElementById("field-conflicts"), outbox, book, i18n, workflow, timeZone,
    onOpen: openCase }).start();
  // A write the workflow's rules refused stays in words until the user moves to another view.
  const refused = document.getElementById("field-refused");
  let shownView = null;
  outbox.onRefused((item, error) => {
    const reason = i18n.lang === "zh-CN" ? (error.message_zh || error.message) : (error.message || error.message_zh);
    const what = item.kind === "transition"
      ? i18n.t("field.refused_what", { status: i18n.pick(stepLabel(workflow, book.view(item.caseId)?.status,
        item.json.to), item.json.to) })
      : describeWrite(item, i18n, workflow);
    showNotice(refused, i18n.t("field.refused", { id: item.caseId ?? "", what, reason: reason || "" }));
    if (item.caseId) {
      book.loadDetail(item.caseId).catch(() => {}); // the moves offered now
    }
  });
  new FieldLegend({ button: document.getElementById("legend-toggle"), panel: document.getElementById("field-legend"),
    categories: categoryList, groups: categories.groups, i18n }).start();
  list.start();
  report.start();
  round.start();
  detail.start();
  book.onChange(() => list.render());

  const lists = new ListLoader({ book, position, outbox, map, list, onError: (error) => showNotice(notice,
    error ? i18n.t("field.list_failed", { message: i18n.errorMessage(error) }) : "") }).start();
  document.getElementById("locate").addEventListener("click", () => {
    if (position.lonLat()) {
      map.centreOn(position.lonLat());
    } else {
      showNotice(notice, i18n.t("field.gps_unavailable"));
    }
  });
  position.start();
  await outbox.start();
  views.start();
  const loaded = Promise.all([
    lists.first(),
    map.loadBase(definitions, Math.min(10000, Number(config.max_limit) || 10000)),
  ]);
  registerWorker(api, body, loaded);
  await loaded;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    body.dataset.ready = "1";
  }));
}

offerUpdates();
start().catch((error) => {
  console.error("field view failed to start:", error);
});
