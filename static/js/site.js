/* Page helpers for every page: the language switch keeps where you are, and the
 * service worker that keeps the walk usable without a network is registered.
 * The worker's URL (with the data version) comes from this script's data-worker. */
(function () {
  "use strict";
  var script = document.currentScript;

  // The header's height, for the stylesheet: held sideways, the map fills the rest of the
  // screen. Set before the map script runs (it comes after this one), and on rotation;
  // only sideways (as app.css's rule), and only when it changes: reading it lays the page
  // out, and a property of the root restyles all of it, work a phone upright never needs.
  var header = document.querySelector(".site-header");
  var sideways = window.matchMedia && matchMedia("(orientation: landscape) and (max-height: 500px)");
  var headerPx = "";
  function headerHeight() {
    if (!header || !sideways || !sideways.matches) return;
    var px = header.offsetHeight + "px";
    if (px !== headerPx) document.documentElement.style.setProperty("--header-h", headerPx = px);
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

  // extras.js (read aloud, the arrival's vibration, share): a bundle of its own, fetched at
  // the first touch or key press, or at an arrival; calls wait in a queue until then.
  var app = window.tourapp = window.tourapp || {}, queue = app.extrasQueue = [];
  var extras = document.querySelector("[data-extras]");
  function load(event) {
    if (event) app.touched = true;
    if (!extras || load.done) return;
    load.done = document.head.appendChild(document.createElement("script"));
    load.done.src = extras.getAttribute("data-extras");
  }
  app.extras = function (call) { if (call) queue.push(call); load(); };
  addEventListener("pointerdown", load, { once: true, capture: true });
  addEventListener("keydown", load, { once: true, capture: true });
  addEventListener("click", function (event) {
    if (event.target.closest("[data-extra]")) app.extras("share");
  });

  var worker = script && script.getAttribute("data-worker");
  // Service workers need a secure context (https or localhost): elsewhere the page
  // simply works online only.
  if (!worker || !("serviceWorker" in navigator)) return;
  function register() {
    if (register.done) return;
    register.done = true;
    navigator.serviceWorker.register(worker, { updateViaCache: "none" }).catch(function (error) {
      console.warn("tourapp: offline mode unavailable:", error);
    });
  }
  // After the page has loaded; on the walk's page, once its map is complete (its tiles, or
  // the offline base map: tour-map.js): the worker then downloads the whole walk without
  // taking a weak signal's bandwidth from the map. At the latest 10 s after the page.
  window.addEventListener("load", function () {
    if (!app.whenMapComplete) return register();
    app.whenMapComplete(register);
    setTimeout(register, 10000);
  });
})();
