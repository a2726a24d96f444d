/* tourapp: an open page takes a newly accepted version of the walk in place, without a
 * reload (issue 19, "open phones"). live.js calls tourapp.swap() when the state poll names
 * another version ("tour"); this file is in live.js's bundle, fetched only then or when a
 * walk is live.
 *
 * - The page's own address is fetched again (the server renders each version once; the
 *   stored copy is the new worker's, never mixed into the old one's): its header, itinerary, footer
 *   and the card's data (#follow[data-follow], #live[data-live]) replace the old ones.
 *   That HTML is the server's, every file text in it escaped there; nothing of it runs.
 * - The new version's map script runs against a hidden map of its own; its stop markers
 *   and legs are then moved onto the page's map, which stays: its view (the walker's
 *   zoom and pan, unless the walk moved out of it), its controls, and what follow.js and
 *   live.js drew on it (the walker's position, the live group's marker) never go away.
 * - What this phone stored for the old version (the live state, a solo start) moves to
 *   the new one; the service worker is registered again for the new version's files.
 * Anything unexpected: the page is reloaded, once per version (sessionStorage), so that a
 * failing swap can never loop. No network: tried again at the next poll. */
(function () {
  "use strict";
  var app = window.tourapp = window.tourapp || {};
  var busy = null;
  var OFFLINE = new Error("no network, or no walk served"); // tried again at the next poll

  function get(url) {
    return fetch(url, { cache: "no-cache", credentials: "omit" }).then(function (r) {
      if (!r.ok) throw OFFLINE;
      return r;
    }, function () { throw OFFLINE; });
  }

  function $(doc, selector) { return doc.querySelector(selector); }
  function version() { return JSON.parse($(document, "#live").getAttribute("data-live")).version; }

  function script(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = function () { tag.remove(); resolve(); };
      tag.onerror = function () { tag.remove(); reject(OFFLINE); };
      document.head.appendChild(tag);
    });
  }

  /* The new version's stops and legs, made by its own map script on a hidden map. The
   * script builds its map with L.map("map_tour"): for the time it runs, that id names a
   * hidden box, and tourapp.register (tour-map.js) only notes what it is given. */
  function layers(src) {
    var L = window.L, page = app.map.getContainer(), id = page.id;
    var box = document.createElement("div"), made = null, register = app.register;
    var before = app.markers.length; // tourapp.bindStop adds the new markers after these
    box.hidden = true;
    // The map script's file is fetched first: the id is moved for the script's run only.
    return get(src).then(function () {
      page.id = "";
      box.id = id;
      document.body.appendChild(box);
      app.register = function (map, bounds, legs) { made = { map: map, bounds: bounds, legs: legs }; };
      return script(src);
    }).finally(function () {
      page.id = id;
      box.id = "";
      app.register = register;
    }).then(function () {
      if (!made) throw new Error("the map script did not run");
      made.markers = app.markers.splice(before);
      made.map.eachLayer(function (layer) { if (layer instanceof L.GridLayer) made.tiles = layer; });
      made.map.remove(); // its layers are free for the page's map
      box.remove();
      window.map_tour = app.map; // the script's global named its hidden map
      return made;
    }, function (error) {
      box.remove();
      throw error;
    });
  }

  function credit(map, tiles) {
    var old = null;
    map.eachLayer(function (layer) { if (layer instanceof window.L.GridLayer) old = layer; });
    var control = map.attributionControl, was = old && old.getAttribution(), now = tiles && tiles.getAttribution();
    if (!old || !control || !now || was === now) return;
    // tour-map.js added the tiles' credit once, Leaflet once with the layer.
    control.removeAttribution(was).removeAttribution(was).addAttribution(now).addAttribution(now);
    old.options.attribution = now;
  }

  function moveMap(made) {
    var map = app.map, L = window.L;
    map.closePopup();
    app.markers.splice(0).forEach(function (m) { map.removeLayer(m.marker); });
    (app.legs || []).forEach(function (line) { map.removeLayer(line); });
    made.legs.forEach(function (line) { map.addLayer(line); });
    made.markers.forEach(function (m) {
      map.addLayer(m.marker);
      var node = m.marker.getElement();
      if (!node) return;
      node.setAttribute("aria-label", m.texts.label);
      node.setAttribute("role", "button");
      node.setAttribute("data-stop", m.texts.id);
    });
    Array.prototype.push.apply(app.markers, made.markers);
    app.legs = made.legs;
    credit(map, made.tiles);
    // The walker's view stays, unless the walk is no longer in it.
    var bounds = L.latLngBounds(made.bounds);
    map.whenReady(function () { // a view to compare with (the first comes a few frames in)
      if (!map.getBounds().intersects(bounds)) {
        map.fitBounds(bounds, { paddingTopLeft: [64, 24], paddingBottomRight: [24, 32], animate: false });
      }
    });
    map.fire("tourapp:markers"); // follow.js marks them done, next or later
  }

  function replace(doc, selector) {
    var old = $(document, selector), fresh = $(doc, selector);
    if (old && fresh) old.replaceWith(document.adoptNode(fresh));
  }

  function movePage(doc) {
    var itinerary = $(document, ".itinerary");
    var focused = itinerary && itinerary.contains(document.activeElement);
    // The directions the walker opened stay open.
    var open = [];
    document.querySelectorAll(".itinerary details").forEach(function (d, i) { if (d.open) open.push(i); });
    document.title = doc.title;
    ["meta[name=description]", ".site-header h1", ".itinerary", ".site-footer"].forEach(function (s) {
      replace(doc, s);
    });
    var details = document.querySelectorAll(".itinerary details");
    open.forEach(function (i) { if (details[i]) details[i].open = true; });
    if (focused) $(document, "#itinerary-heading").focus({ preventScroll: true });
    [["#follow", "data-follow"], ["#live", "data-live"], ["script[data-worker]", "data-worker"]].forEach(function (p) {
      var value = $(doc, p[0]) && $(doc, p[0]).getAttribute(p[1]);
      if (value !== null) $(document, p[0]).setAttribute(p[1], value);
    });
  }

  /* What this phone stored for the old version (keys "tourapp-live-" and "tourapp-start-"
   * + version, live.js) follows the walk to the new one. */
  function moveStored(from, to) {
    try {
      ["tourapp-live-", "tourapp-start-"].forEach(function (prefix) {
        var value = localStorage.getItem(prefix + from);
        if (value === null) return;
        if (localStorage.getItem(prefix + to) === null) localStorage.setItem(prefix + to, value);
        localStorage.removeItem(prefix + from);
      });
    } catch (e) { /* no storage: nothing was stored */ }
  }

  var failed = {};
  function reloadOnce(to) {
    var key = "tourapp-reloaded-" + to;
    failed[to] = true; // not tried again: the page keeps the version it shows
    try {
      if (sessionStorage.getItem(key)) return;
      sessionStorage.setItem(key, "1");
    } catch (e) { return; } // no storage: never risk a loop
    window.location.reload();
  }

  function swap(to) {
    var from = version();
    if (!to || to === from || failed[to]) return Promise.resolve(false);
    return get(location.pathname + location.search).then(function (r) {
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var map = $(doc, "script[src*='map.js']");
      var live = $(doc, "#live");
      if (!map || !live) throw new Error("not the walk's page");
      // Another edit may have come meanwhile: the page served is the version taken.
      to = JSON.parse(live.getAttribute("data-live")).version;
      if (to === from) return false;
      return layers(map.getAttribute("src")).then(function (made) {
        movePage(doc);
        moveMap(made);
        moveStored(from, to);
        var worker = $(document, "script[data-worker]").getAttribute("data-worker");
        if (worker && navigator.serviceWorker) navigator.serviceWorker.register(worker, { updateViaCache: "none" }).catch(function () {});
        document.documentElement.setAttribute("data-swapped", to); // for tests and curious people
        return true;
      });
    }).catch(function (error) {
      if (error !== OFFLINE) reloadOnce(to);
      return false;
    });
  }

  /* The page shows version `to` once the promise gives true; false: not now (no network),
   * or the page reloads. One swap at a time. */
  app.swap = function (to) {
    if (!busy) busy = swap(to).finally(function () { busy = null; });
    return busy;
  };
})();
