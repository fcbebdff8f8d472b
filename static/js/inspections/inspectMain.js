// Entry point of the inspection page (/inspect), the phone form of an assessment round: the open rounds the
// user may see, their drawn places in walking order (the user's own share first), and for each place the
// checklist form. Answers (and their photos) go through the field view's outbox (../field/outbox.js): kept
// on the phone with an Idempotency-Key and sent, in order, exactly once when the server answers. The page
// lives under /field so the field view's service worker (/sw.js) keeps it, its modules and what it read
// (session, rounds, checklists) for opening with no connection; the round and its checklist are also kept in
// local storage. Tests read body[data-ready], body[data-offline], the list's data-count/data-todo and the
// badge's data-count.

import { Api, goToLogin } from "../common/api.js";
import { I18n, safeStorage } from "../common/i18n.js";
import { LanguageToggle } from "../common/languageToggle.js";
import { UserMenu } from "../common/userMenu.js";
import { Position } from "../field/fieldGeo.js";
import { Outbox } from "../field/outbox.js";
import { shrinkPhoto } from "../field/photoShrink.js";
import { PlaceForm } from "./inspectForm.js";
import { PlaceList } from "./inspectPlaces.js";

const KEPT = "chuangwei.inspect.round";
const WORKER_URL = "/sw.js";
const WORKER_SCOPE = "/field";

/** Register the field view's service worker and ask it to keep ``urls`` (what this page read); then
 * body[data-offline] is "ready". */
async function keepForOffline(body, urls) {
  const container = globalThis.navigator?.serviceWorker;
  if (!container || !globalThis.isSecureContext) {
    body.dataset.offline = "unsupported";
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
  await new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(resolve, 60_000); // a worker that never answers must not hold the page
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve();
    };
    container.controller.postMessage({ type: "field-store", urls }, [channel.port2]);
  });
  body.dataset.offline = "ready";
}

/** A round with its checklist version, from the server, else (no connection) as last kept. */
async function loadRound(api, storage, id) {
  try {
    const round = await api.json(api.url(`/inspections/${encodeURIComponent(id)}`));
    const checklist = await api.json(api.url(`/checklists/${encodeURIComponent(round.checklist)}?version=${round.checklist_version}`));
    storage.setItem(KEPT, JSON.stringify({ round, checklist }));
    return { round, checklist };
  } catch (error) {
    const kept = JSON.parse(storage.getItem(KEPT) || "null");
    if (kept && String(kept.round.id) === String(id)) {
      return kept;
    }
    throw error;
  }
}

function mine(round, user) {
  const own = round.items.filter((item) => !item.inspector || item.inspector === user.name);
  return own.sort((a, b) => (a.seq - b.seq) || (a.id - b.id));
}

async function start() {
  const body = document.body;
  const storage = safeStorage();
  const api = new Api();
  const i18n = new I18n({ storage });
  const notice = document.getElementById("inspect-notice");
  const [session] = await Promise.all([api.session(), i18n.load()]);
  if (!session.user) {
    body.dataset.ready = "login";
    goToLogin();
    return;
  }
  const user = session.user;
  i18n.apply(document);
  new LanguageToggle({ button: document.getElementById("language-toggle"), i18n }).start();
  new UserMenu({ container: document.getElementById("user-menu"), api, i18n, user, page: "inspect" }).start();
  const outbox = await new Outbox({ api, user: user.name }).start();
  const position = new Position().start();
  const { grades } = await api.json(api.url("/checklists"));
  const form = new PlaceForm({ root: document.getElementById("place-form"), i18n, grades });
  let current = null; // {round, checklist}
  let answered = new Set();
  let shown = null;

  const queuedItems = () => new Set(outbox.items.filter((item) => item.kind === "inspection_answer"
    && item.roundId === current?.round.id).map((item) => item.json.item));
  const list = new PlaceList({ list: document.getElementById("place-list"), i18n, onOpen: (place) => {
    shown = place;
    form.show(place, current.checklist);
  } });
  const draw = () => {
    if (current) {
      list.render(mine(current.round, user), answered, queuedItems());
    }
    const waiting = outbox.queued().length;
    const badge = document.getElementById("sync-badge");
    badge.hidden = waiting === 0;
    badge.dataset.count = String(waiting);
    badge.textContent = i18n.t("inspect.waiting", { count: waiting });
    notice.textContent = outbox.offline() ? i18n.t("inspect.offline") : "";
    notice.hidden = !notice.textContent;
  };
  outbox.onChange(draw);
  outbox.onSent((item, answer) => {
    if (item.kind === "inspection_answer" && item.roundId === current?.round.id) {
      answered.add(item.json.item);
      if (answer?.failed?.length) {
        showFailed(answer.failed);
      }
      draw();
    }
  });
  const showFailed = (failed) => {
    const box = document.getElementById("failed-items");
    box.replaceChildren(...failed.map((entry) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "app-button ins-case";
      button.textContent = i18n.t("inspect.make_case", { item: i18n.pick(entry.text) });
      button.addEventListener("click", () => {
        outbox.add({ kind: "report", path: "/api/cases", json: entry.case, summary: i18n.pick(entry.text) });
        button.disabled = true;
      });
      return button;
    }));
    box.hidden = failed.length === 0;
  };

  document.getElementById("answer-send").addEventListener("click", async () => {
    const values = form.values();
    if (!values || !shown) {
      return;
    }
    const file = form.file();
    const refs = file ? [(await outbox.add({ kind: "loose_photo", path: "/api/photos", blob: await shrinkPhoto(file),
      fileName: file.name || "photo.jpg" })).id] : [];
    const at = position.lonLat();
    const json = { item: shown.id, answers: values, lon: at ? at[0] : null, lat: at ? at[1] : null,
      taken_at: new Date().toISOString() };
    await outbox.add({ kind: "inspection_answer", roundId: current.round.id, photoRefs: refs, photoField: "photo_id",
      path: `/api/inspections/${encodeURIComponent(current.round.id)}/answers`, json });
    form.hide();
    shown = null;
    draw();
  });
  document.getElementById("answer-back").addEventListener("click", () => form.hide());

  const select = document.getElementById("round-select");
  const openRound = async (id) => {
    current = await loadRound(api, storage, id);
    answered = new Set(current.round.answered || []);
    document.getElementById("round-title").textContent = `${i18n.pick(current.checklist.title)} · ${current.round.area}`;
    draw();
  };
  let rounds = [];
  try {
    rounds = (await api.json(api.url("/inspections"))).rounds.filter((round) => round.status === "open");
  } catch {
    const kept = JSON.parse(storage.getItem(KEPT) || "null");
    rounds = kept ? [kept.round] : [];
  }
  select.replaceChildren(...rounds.map((round) => {
    const option = document.createElement("option");
    option.value = String(round.id);
    option.textContent = `#${round.id} ${round.area} ${round.checklist}`;
    return option;
  }));
  select.addEventListener("change", () => openRound(select.value));
  const wanted = new URLSearchParams(globalThis.location.search).get("round");
  if (wanted && rounds.some((round) => String(round.id) === wanted)) {
    select.value = wanted;
  }
  if (select.value) {
    await openRound(select.value);
  }
  i18n.onChange(draw);
  body.dataset.ready = "true";
  const read = ["/api/session", "/api/checklists", "/api/inspections"];
  if (current) {
    read.push(`/api/inspections/${encodeURIComponent(current.round.id)}`,
      `/api/checklists/${encodeURIComponent(current.round.checklist)}?version=${current.round.checklist_version}`);
  }
  keepForOffline(body, read);
}

start().catch((error) => {
  document.body.dataset.ready = "error";
  console.error(error);
});
