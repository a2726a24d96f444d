/* Page helpers for every page: the language switch keeps where you are, and the
 * service worker that keeps the walk usable without a network is registered.
 * The worker's URL (with the data version) comes from this script's data-worker. */
(function () {
  "use strict";
  var script = document.currentScript;

  // The header's height, for the stylesheet: held sideways, the map fills the rest of the
  // screen. Set before the map script runs (it comes after this one), and on rotation.
  var header = document.querySelector(".site-header");
  function headerHeight() {
    if (header) document.documentElement.style.setProperty("--header-h", header.offsetHeight + "px");
  }
  headerHeight();
  window.addEventListener("resize", headerHeight);

  // The server renders the switch for the page's path; its pages are cached per
  // language, so the query string (?at=14:05) and the fragment are added here.
  function keepPlace(link) {
    var target = new URL(link.href, location.href);
    target.search = location.search;
    target.hash = location.hash;
    link.href = target.href;
  }
  document.querySelectorAll(".lang-switch a[hreflang]").forEach(function (link) {
    keepPlace(link);
    // The fragment changes as the user follows in-page links.
    link.addEventListener("click", function () { keepPlace(link); });
  });

  // extras.js (read aloud, the arrival's vibration, share): its own bundle, fetched at the
  // first gesture or arrival, never for the first render. Calls wait in a queue until then.
  var extras = document.querySelector("[data-extras]"), app = window.tourapp = window.tourapp || {};
  if (extras) {
    var queue = app.extrasQueue = [], asked = false;
    var load = function () {
      if (asked) return;
      asked = true;
      var s = document.createElement("script");
      s.src = extras.getAttribute("data-extras");
      s.onerror = function () { asked = false; s.remove(); }; // offline, not yet stored
      document.head.appendChild(s);
    };
    app.extras = function (call) { queue.push(call); load(); };
    var touch = function () { app.touched = true; load(); };
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, touch, { once: true, capture: true, passive: true });
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-extra]");
      if (button) app.extras([button.getAttribute("data-extra")]);
    });
  }

  var worker = script && script.getAttribute("data-worker");
  // Service workers need a secure context (https or localhost): elsewhere the page
  // simply works online only.
  if (!worker || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(worker, { updateViaCache: "none" }).catch(function (error) {
      console.warn("tourapp: offline mode unavailable:", error);
    });
  });
})();
