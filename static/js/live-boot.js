/* tourapp live group, first part: loads the rest (live.js, its own bundle) only when the
 * page has something live to show. On most days no guide is reporting and nobody pressed
 * "Start now": the page then pays for this file and a small poll, not for live.js.
 * live.js is loaded when
 * - the state poll (#live[data-live-url], answered 304 when unchanged) says a walk is live;
 * - this phone kept a live state or a solo start ("Start now") from an earlier visit;
 * - the walker presses "Start now";
 * - the poll names another version of the walk: live.js's bundle brings it in (swap.js).
 * The first state read here is handed over (window.tourapp.liveBoot): live.js does not
 * ask for it again. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) return;
  var T = JSON.parse(root.getAttribute("data-live"));
  var url = root.getAttribute("data-live-url");
  var start = root.querySelector(".live-start");
  var app = window.tourapp = window.tourapp || {};
  var POLL_MS = 4000; // as live.js: a walk that starts while the page is open shows within 5 s
  var boot = app.liveBoot = { first: null, start: false };
  var requested = false;

  function kept(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
  }
  function load() {
    if (requested) return;
    requested = true;
    var script = document.createElement("script");
    script.src = root.getAttribute("data-live-script");
    // Offline before the worker stored it: try again at the next poll or press.
    script.onerror = function () { requested = false; script.remove(); setTimeout(poll, POLL_MS); };
    document.head.appendChild(script);
  }

  // "Start now" is there from the first paint (no layout shift); a press before live.js
  // runs is kept and done by live.js.
  start.hidden = false;
  start.addEventListener("click", function () {
    if (app.live) return; // live.js has its own handler
    boot.start = !boot.start;
    load();
  });

  // The rest in a task of its own, after the page's first scripts: the first read of
  // localStorage waits for the browser's storage (on a slow phone, a long task with the rest).
  setTimeout(function () {
    var last = kept("tourapp-live-" + T.version);
    if (kept("tourapp-start-" + T.version) || (last && last.state && last.state.active)) load();
    else poll();
  }, 0);

  var etag = null;
  function poll() {
    if (requested) return;
    if (!url) return; // a static copy: no server to ask, no live walk
    if (navigator.onLine === false) { setTimeout(poll, POLL_MS); return; }
    fetch(url, { cache: "no-cache", credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      var tag = r.headers.get("ETag");
      if (tag && tag === etag) return null;
      etag = tag;
      var skew = app.common.skew(r);
      return r.json().then(function (state) {
        // Nothing live, the page's own version: the plan stands. Another version (the
        // organisers accepted an edit): live.js takes it in place (swap.js, its bundle).
        if (!state.active && (!state.tour || state.tour === T.version)) return;
        boot.first = { state: state, etag: tag, received: Date.now(),
          skew: skew };
        load();
      });
    }).catch(function () { /* no network: the plan stays */ }).then(function () {
      if (!requested) setTimeout(poll, POLL_MS);
    });
  }
})();
