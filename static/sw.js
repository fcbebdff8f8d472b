// The field view's service worker (served as /sw.js, registered with scope /field): keeps the pages (the
// field view and the inspection form at /field/inspect), their modules, styles, translations, icons and
// Leaflet in a versioned cache, and the API answers they read (worklist, case details, categories, session,
// config, base layers, areas, photo thumbnails, inspection rounds and checklists) in a second cache, so the
// worklist, the map and the inspection form open with no connection. Writes are never cached or
// replayed here: the page's outbox (static/js/field/outbox.js) owns them.
// Static files are served from the cache and refreshed behind it (a changed one makes the page offer a
// reload), so an ordinary release needs no change here; bump VERSION when what is cached changes shape.

const VERSION = "v2";
const STATIC_CACHE = `field-static-${VERSION}`;
const DATA_CACHE = `field-data-${VERSION}`;
const OWN_CACHES = new Set([STATIC_CACHE, DATA_CACHE]);
const PAGE = "/field";
const PAGES = [PAGE, "/field/inspect"];
const NETWORK_TIMEOUT_MS = 6000;

// Assets the page loads only from script (the page's own <link>/<script> tags are read from it at install).
const EXTRA_ASSETS = [
  "/static/i18n/zh-CN.json",
  "/static/i18n/en.json",
  "/static/css/icon.svg",
  "/static/vendor/leaflet-1.9.4/images/marker-icon.png",
  "/static/vendor/leaflet-1.9.4/images/marker-icon-2x.png",
  "/static/vendor/leaflet-1.9.4/images/marker-shadow.png",
  ...["bin", "collection", "drain", "garbage", "green", "lamp", "other", "pile", "poster", "road", "septic",
    "sign", "structure", "toilet", "vendor", "water"].map((name) => `/static/icons/${name}.svg`),
];

// GET answers kept for offline reading: path prefixes of the API.
const DATA_PREFIXES = ["/api/cases", "/api/categories", "/api/session", "/api/config", "/api/layers", "/api/areas",
  "/api/workflow", "/api/inspections", "/api/checklists"];
const PHOTO_FILE = /^\/api\/photos\/\d+(\/thumb)?$/;
const USER_KEY = "/__field/user"; // who the cached answers belong to
const pendingWrites = new Set(); // cache writes still under way (see the "field-store" message)

/** Keep ``promise`` (a cache write) alive past the response, and known until it settles. */
function track(event, promise) {
  const settled = promise.catch(() => {}).finally(() => pendingWrites.delete(settled));
  pendingWrites.add(settled);
  try {
    event.waitUntil(settled);
  } catch {
    // the event already finished (a late network answer after the cached one was served): the write
    // still runs while the worker is alive
  }
  return settled;
}

/** Every /static/ file the page names in a src or href attribute. */
function assetsOf(html) {
  const found = new Set();
  for (const match of html.matchAll(/\b(?:src|href)="(\/static\/[^"?#]+)"/g)) {
    found.add(match[1]);
  }
  return [...found];
}

async function precache() {
  const cache = await caches.open(STATIC_CACHE);
  const assets = new Set(EXTRA_ASSETS);
  for (const path of PAGES) {
    const page = await fetch(path, { cache: "reload", credentials: "same-origin" });
    if (!page.ok) {
      throw new Error(`${path}: HTTP ${page.status}`);
    }
    for (const asset of assetsOf(await page.clone().text())) {
      assets.add(asset);
    }
    await cache.put(path, page);
  }
  await cache.addAll([...assets].map((url) => new Request(url, { cache: "reload" })));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("field-") && !OWN_CACHES.has(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

/** The worklist is asked "nearest first from here": offline, any position's answer will do (the page
 * sorts by its own position again), so the cache key leaves ``near`` out. */
function dataKey(url) {
  const key = new URL(url);
  if (key.pathname === "/api/cases") {
    key.searchParams.delete("near");
    key.searchParams.sort();
  }
  return key.href;
}

/** A copy of a cached answer marked as such, so the page can say it shows stored data. */
async function fromCache(cached) {
  const headers = new Headers(cached.headers);
  headers.set("X-Field-Cache", "hit");
  return new Response(await cached.blob(), { status: cached.status, statusText: cached.statusText, headers });
}

/** The network's answer (kept in ``cacheName`` under ``key``), or the cached one when the network fails
 * or takes longer than NETWORK_TIMEOUT_MS (weak signal); a late network answer still refreshes the cache. */
async function networkFirst(event, cacheName, key, { onFresh } = {}) {
  const network = fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      track(event, (async () => {
        if (onFresh) {
          await onFresh(copy.clone());
        }
        await (await caches.open(cacheName)).put(key, copy); // opened now: onFresh may have emptied it
      })());
    }
    return response;
  });
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, NETWORK_TIMEOUT_MS, null);
  });
  try {
    const first = await Promise.race([network, timeout]);
    if (first) {
      return first;
    }
    const cached = await caches.match(key, { cacheName });
    return cached ? fromCache(cached) : await network;
  } catch (error) {
    const cached = await caches.match(key, { cacheName });
    if (cached) {
      return fromCache(cached);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Tell the open field views that a newer file arrived (they offer to reload). */
async function announceUpdate() {
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "field-updated" });
  }
}

function sameVersion(a, b) {
  const tag = (response) => response.headers.get("ETag") || response.headers.get("Last-Modified");
  return tag(a) !== null && tag(a) === tag(b);
}

/** Cached first (fast on a weak signal), refreshed in the background; a changed file is announced, so
 * that a new release never runs half old, half new for longer than one reload. */
async function staleWhileRevalidate(event) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(event.request, { ignoreSearch: true });
  const refresh = fetch(event.request).then(async (response) => {
    if (response.ok) {
      await cache.put(event.request, response.clone());
      if (cached && !sameVersion(cached, response)) {
        await announceUpdate();
      }
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => {}));
    return cached;
  }
  return refresh;
}

/** Photos never change once stored: the cache answers whenever it can. */
async function cacheFirst(event) {
  const cache = await caches.open(DATA_CACHE);
  const cached = await cache.match(event.request);
  if (cached) {
    return cached;
  }
  const response = await fetch(event.request);
  if (response.ok) {
    track(event, cache.put(event.request, response.clone()));
  }
  return response;
}

/** Another person logged in on this phone: the previous person's stored answers must not show. */
async function checkUser(sessionResponse) {
  let name = "";
  try {
    name = (await sessionResponse.json())?.user?.name || "";
  } catch {
    return;
  }
  const cache = await caches.open(DATA_CACHE);
  const stored = await cache.match(USER_KEY);
  const previous = stored ? await stored.text() : null;
  if (previous !== null && previous !== name) {
    await caches.delete(DATA_CACHE);
  }
  await (await caches.open(DATA_CACHE)).put(USER_KEY, new Response(name));
}

/** Where a GET answer of ``url`` is kept: [cache name, key], or null for answers not kept. */
function placeOf(url) {
  const parsed = new URL(url, self.location.href);
  if (parsed.origin !== self.location.origin) {
    return null;
  }
  if (PHOTO_FILE.test(parsed.pathname)) {
    return [DATA_CACHE, parsed.href];
  }
  if (DATA_PREFIXES.some((prefix) => parsed.pathname === prefix || parsed.pathname.startsWith(`${prefix}/`))) {
    return [DATA_CACHE, dataKey(parsed.href)];
  }
  return null;
}

/** The page asks to keep ``urls`` (what it read before this worker controlled it) and to be told when
 * every cache write is done: then it may say "ready for offline". */
self.addEventListener("message", (event) => {
  if (event.data?.type !== "field-store" || !event.ports[0]) {
    return;
  }
  const urls = Array.isArray(event.data.urls) ? event.data.urls : [];
  event.waitUntil((async () => {
    await Promise.allSettled(urls.map(async (url) => {
      const place = placeOf(url);
      if (!place) {
        return;
      }
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) {
        await (await caches.open(place[0])).put(place[1], response);
      }
    }));
    await Promise.allSettled([...pendingWrites]);
    event.ports[0].postMessage({ type: "field-stored" });
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && url.pathname === "/api/logout") {
    event.respondWith(fetch(request).then((response) => {
      event.waitUntil(caches.delete(DATA_CACHE));
      return response;
    }));
    return;
  }
  if (request.method !== "GET") {
    return; // writes go straight to the server; the outbox retries them
  }
  if (request.mode === "navigate" && PAGES.includes(url.pathname)) {
    event.respondWith(networkFirst(event, STATIC_CACHE, url.pathname));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staleWhileRevalidate(event));
  } else if (PHOTO_FILE.test(url.pathname)) {
    event.respondWith(cacheFirst(event));
  } else if (placeOf(request.url)) {
    const onFresh = url.pathname === "/api/session" ? checkUser : undefined;
    event.respondWith(networkFirst(event, DATA_CACHE, dataKey(request.url), { onFresh }));
  }
});
