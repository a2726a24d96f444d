/* tourapp service worker: the walk opens without a network after a first visit.
 *
 * Served at /sw.js and registered as /sw.js?v=VERSION[&tiles=N], where VERSION is
 * the tour data's content hash and the app files' hash: new data, new URL, new
 * install, new cache; the old cache goes on activation.
 *
 * - install: stores every URL /offline.json lists (both languages' pages, their
 *   scripts and styles, Leaflet, the map scripts, the GeoJSON, GPX when the app has it);
 * - pages and data: network first, the stored copy when there is no network
 *   (or when the server answers 5xx: it lost the walk, the stored one is better),
 *   asked of the host each time (revalidated), a stored page refreshed only by a page
 *   of the same walk (never a mix of two versions);
 * - the app's files (map scripts carry the version in their URL): cache first;
 * - map tiles: only those the page asked for, at most N (300), oldest evicted
 *   first. Nothing is ever fetched ahead: the OpenStreetMap tile policy forbids
 *   bulk downloading.
 */
"use strict";

var params = new URL(self.location.href).searchParams;
var VERSION = params.get("v") || "dev";
var TILE_MAX = params.has("tiles") ? Math.max(0, parseInt(params.get("tiles"), 10) || 0) : 300;
var PREFIX = "tourapp-";
var PRECACHE = PREFIX + "precache-" + VERSION;
var TILES = PREFIX + "tiles";
var LIST_URL = new URL("offline.json", self.location.href).href;
// Tiles carry no expiry we can always read; re-fetch a viewed tile after a week
// when online (a stale one is still shown offline).
var TILE_MAX_AGE_S = 7 * 24 * 3600;
var TILE_PATH = /\/\d+\/\d+\/\d+(@2x)?\.(png|jpe?g|webp)$/;
var STAMP = "x-tourapp-stored-at";

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    var response = await fetch(LIST_URL, { cache: "no-store" });
    if (!response.ok) throw new Error("offline list: HTTP " + response.status);
    var list = await response.clone().json();
    var cache = await caches.open(PRECACHE);
    // All or nothing: a failed download leaves the previous worker and cache in place.
    await cache.addAll(list.precache.map(function (url) {
      return new Request(url, { cache: "no-cache" });
    }));
    await cache.put(LIST_URL, response);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    var names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX + "precache-") === 0 && name !== PRECACHE;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (url.pathname === self.location.pathname || url.pathname.endsWith("/healthz")) return;
    if (request.mode === "navigate" || !isAsset(url)) {
      event.respondWith(networkFirst(request));
    } else {
      event.respondWith(cacheFirst(request));
    }
  } else if (request.destination === "image" && TILE_PATH.test(url.pathname)) {
    event.respondWith(tile(request));
  }
});

function isAsset(url) {
  return url.pathname.indexOf("/static/") !== -1 || url.searchParams.has("v");
}

async function networkFirst(request) {
  var cache = await caches.open(PRECACHE);
  try {
    // Asked of the host every time (a 304 when unchanged): a static host sends no
    // Cache-Control, and the browser's cache would give a page it holds for a tenth of
    // its age without asking (days for an export a month old): the old walk after a new one.
    var response = await fetch(revalidated(request));
    // Refresh stored copies only (a query-string variant is not stored again), and only
    // with a page of this worker's walk: see sameWalk.
    if (response.ok && (await cache.match(request)) && (await sameWalk(response))) {
      await cache.put(request, response.clone());
    }
    // A server that has no walk to give (503) is no better than no network.
    if (response.status < 500) return response;
    return (await stored(cache, request)) || response;
  } catch (error) {
    var copy = await stored(cache, request);
    if (copy) return copy;
    throw error;
  }
}

// A page names its walk's worker (site.js's data-worker="…sw.js?v=VERSION"). A page of a
// newer walk, seen online before its own worker has stored that walk (the signal lost
// during the install), would sit among this walk's files: offline, one language new and
// the other old, the new page's map script perhaps missing. The stored walk stays whole
// until the new worker replaces all of it. Data files (GeoJSON, GPX…) change only with
// the walk, hence with the worker: they are never refreshed here.
async function sameWalk(response) {
  var type = response.headers.get("content-type") || "";
  if (type.indexOf("text/html") === -1) return false;
  return (await response.clone().text()).indexOf("v=" + VERSION) !== -1;
}

function revalidated(request) {
  // A navigation's copy becomes "same-origin" (Fetch standard); browsers from before that
  // rule (Chrome < 68, old Edge) throw: they get the request as it is.
  try {
    return new Request(request, { cache: "no-cache" });
  } catch (error) {
    return request;
  }
}

async function stored(cache, request) {
  var copy = await cache.match(request) || await cache.match(request, { ignoreSearch: true });
  // Only an address of the walk's page gets the stored walk (the site root, a language,
  // their index.html): never the organisers' status page, a GPX file or a missing leg.
  if (!copy && request.mode === "navigate" && WALK_PAGE.test(withinScope(request.url))) {
    copy = await fallbackPage(cache, request);
  }
  return copy;
}

var WALK_PAGE = /^(?:[a-z]{2}\/?)?(?:index\.html)?$/;

function withinScope(url) {
  // The path below the worker's scope, without the query: "" , "fr/", "en/index.html"…
  var path = new URL(url).pathname;
  var scope = new URL(self.registration.scope).pathname;
  return path.indexOf(scope) === 0 ? path.slice(scope.length) : path.replace(/^\//, "");
}

async function fallbackPage(cache, request) {
  // A page not stored (another path, "/"): the walk in the URL's language, else the
  // device's, else the default one.
  var listed = await cache.match(LIST_URL);
  if (!listed) return undefined;
  var pages = (await listed.json()).pages;
  var langs = Object.keys(pages);
  var segment = withinScope(request.url).split("/")[0];
  var wanted = [segment].concat((self.navigator.languages || []).map(function (tag) {
    return tag.slice(0, 2).toLowerCase();
  }), langs);
  var asked = new URL(request.url);
  for (var i = 0; i < wanted.length; i++) {
    if (pages[wanted[i]]) {
      var address = new URL(pages[wanted[i]], LIST_URL);
      var page = await cache.match(address.href);
      if (!page) continue;
      // A static export's links are relative to the page's own folder: given at another
      // address (the export's root "/" or "/site/"), its styles and map script would be
      // looked for outside the export. The browser is sent to the page's own address.
      if (folder(address.pathname) !== folder(asked.pathname)) {
        address.search = asked.search;
        return Response.redirect(address.href, 302);
      }
      return page;
    }
  }
  return undefined;
}

function folder(path) {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

async function cacheFirst(request) {
  var cache = await caches.open(PRECACHE);
  var stored = await cache.match(request);
  if (stored) return stored;
  var response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function tile(request) {
  var cache = await caches.open(TILES);
  var stored = await cache.match(request);
  if (stored && fresh(stored)) return stored;
  try {
    var response = await fetch(request);
    // Opaque responses (a tile server without CORS) are not kept: browsers count
    // each one as megabytes of quota.
    if (TILE_MAX > 0 && response.ok && response.type !== "opaque") {
      await cache.put(request, await stamped(response.clone()));
      trim();
    }
    return response;
  } catch (error) {
    if (stored) return stored;
    throw error;
  }
}

function fresh(response) {
  var stored = Number(response.headers.get(STAMP)) || 0;
  var match = /max-age=(\d+)/.exec(response.headers.get("cache-control") || "");
  var maxAge = match ? Math.min(Number(match[1]), TILE_MAX_AGE_S) : TILE_MAX_AGE_S;
  return Date.now() - stored < maxAge * 1000;
}

async function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set(STAMP, String(Date.now()));
  var body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
}

// One trim at a time: tiles arrive in bursts, and parallel trims would over-delete.
var trimming = Promise.resolve();
function trim() {
  trimming = trimming.then(async function () {
    var cache = await caches.open(TILES);
    var keys = await cache.keys();  // in insertion order: the oldest first
    var extra = keys.length - TILE_MAX;
    for (var i = 0; i < extra; i++) await cache.delete(keys[i]);
  }).catch(function () { /* a failed trim is retried with the next tile */ });
  return trimming;
}
