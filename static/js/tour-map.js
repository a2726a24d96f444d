/* tourapp map helpers: popups and tooltips built from text, never from HTML.
 * The map script (one per language, rendered by folium) calls these. */
(function () {
  "use strict";
  var markers = [];
  // folium creates each marker with Leaflet's default image icon before giving it
  // its numbered icon: a plain div as the default avoids three useless image requests.
  L.Marker.prototype.options.icon = L.divIcon({ className: "stop-marker", iconSize: [44, 44] });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // The address and description are the itinerary's (the page's text): sent once.
  function itineraryText(t, part) {
    var node = document.querySelector("#stop-" + CSS.escape(t.id) + " ." + part);
    return node ? node.textContent : "";
  }

  function popupContent(t) {
    var box = el("div", "stop-popup");
    var address = itineraryText(t, "stop-address"), description = itineraryText(t, "stop-description");
    box.appendChild(el("strong", "stop-popup__name", t.order + ". " + t.name));
    box.appendChild(el("div", "stop-popup__time", t.time));
    if (address) box.appendChild(el("div", "stop-popup__address", address));
    if (description) box.appendChild(el("p", "stop-popup__description", description));
    box.setAttribute("data-stop", t.id); // extras.js adds the programme, notes and photo
    return box;
  }

  // Leaflet's own labels are English: the map's box gives translated ones as data-*
  // attributes. They become Leaflet's defaults before the map script makes its controls
  // (this file runs first), so the controls are made once, already in the page's language.
  var texts = (document.querySelector(".map[data-zoom-in]") || document.body).dataset;
  if (texts.zoomIn) L.Control.Zoom.mergeOptions({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut });
  // Leaflet's prefix has an English title; its name needs none.
  var credit = el("a", "", "Leaflet");
  credit.href = "https://leafletjs.com";
  L.Control.Attribution.mergeOptions({ prefix: credit.outerHTML });
  // Tiles appear without fading in: a fade redraws the map at every frame for a fifth of a
  // second after each tile (failed ones too, when offline), work a slow phone feels.
  L.Map.mergeOptions({ fadeAnimation: false });
  // Feet and miles mean nothing to a French reader: the French page's scale is metric only.
  if (document.documentElement.lang === "fr") L.Control.Scale.mergeOptions({ imperial: false });

  /* A stop's pop-up is a small dialog: as wide as the map allows beside its buttons (64 px)
   * with its own margins (90 px), so that on a 320 px phone it and its close button stay on
   * screen; the focus moves into it, Escape closes it, the focus goes back to its marker. */
  function labelPopups(map) {
    var opener = null, box = map.getContainer();
    map.on("popupopen", function (event) {
      var popup = event.popup, room = map.getSize().x - 154;
      L.setOptions(popup, { maxWidth: Math.max(140, Math.min(280, room)) });
      // The scale (top right) hides meanwhile: it would cover the pop-up's close button.
      L.DomUtil.addClass(box, "has-popup");
      popup.update(); // laid out again with that room
      fitPopup(popup);
      var node = popup.getElement(), close = node.querySelector(".leaflet-popup-close-button");
      if (close && texts.closePopup) close.setAttribute("aria-label", texts.closePopup);
      opener = document.activeElement.closest(".leaflet-marker-icon");
      var content = node.querySelector(".leaflet-popup-content");
      content.tabIndex = -1;
      content.focus({ preventScroll: true });
    });
    map.on("popupclose", function () {
      L.DomUtil.removeClass(box, "has-popup");
      var focus = document.activeElement;
      if (opener && (focus === document.body || focus.closest(".leaflet-popup"))) opener.focus({ preventScroll: true });
      opener = null;
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && event.target.closest(".leaflet-popup")) map.closePopup();
    });
  }

  /* The pop-up inside the map's box, clear of its buttons (64 px on the left) and its credit
   * (at the bottom), its tip (20 px) too; taller than that, its text scrolls. Panned at once,
   * not by Leaflet's autoPan: nothing slides under a finger, and its animation, timed with
   * Date, never ends on a phone whose clock stands still. extras.js calls it again once it
   * has added the stop's photo. */
  function fitPopup(popup) {
    var map = window.tourapp.map, node = popup.getElement();
    if (!map || !node) return;
    var content = node.querySelector(".leaflet-popup-content");
    var credit = map.getContainer().querySelector(".leaflet-control-attribution");
    var box = map.getContainer().getBoundingClientRect(), foot = 25 + (credit ? credit.offsetHeight : 0);
    content.style.maxHeight = "";
    var r = node.getBoundingClientRect(), over = r.height + foot - (box.height - 12);
    if (over > 0) {
      content.style.maxHeight = Math.max(60, content.offsetHeight - over) + "px";
      content.style.overflowY = "auto";
      r = node.getBoundingClientRect();
    }
    var dx = Math.max(0, r.right + 5 - box.right), dy = Math.max(0, r.bottom + foot - box.bottom);
    if (r.left - dx < box.left + 64) dx = r.left - box.left - 64;
    if (r.top - dy < box.top + 12) dy = r.top - box.top - 12;
    if (dx || dy) map.panBy([Math.round(dx), Math.round(dy)], { animate: false });
  }

  /* The offline base map (static/js/basemap.js, tools/build_basemap.py): the city's streets
   * and their names, drawn under the tiles. Its script and data are fetched once a tile fails
   * and the page has loaded: online the page pays nothing for it, and the first render never
   * waits for it; the service worker keeps both for the day there is no signal. */
  var asked = false;
  function baseMap(map) {
    var url = map.getContainer().getAttribute("data-basemap-script");
    if (asked || !url) return;
    asked = true;
    function go() {
      var script = document.createElement("script");
      script.src = url;
      document.head.appendChild(script);
    }
    if (document.readyState === "complete") go();
    else window.addEventListener("load", go);
  }

  // The map complete on the screen: its tiles, or (tiles failing) the offline base map
  // (basemap.js calls mapComplete). site.js registers the offline worker then: its downloads
  // (the whole walk, in both languages) take no bandwidth from the map on a weak signal.
  var waiting = [], complete = false;
  function settled() {
    if (complete) return;
    complete = true;
    waiting.forEach(function (call) { call(); });
  }

  window.tourapp = {
    whenMapComplete: function (call) { if (complete) call(); else waiting.push(call); },
    mapComplete: settled,
    fitPopup: fitPopup, // for extras.js
    bindStop: function (marker, t) {
      marker.bindPopup(function () { return popupContent(t); }, { maxWidth: 280, autoPan: false });
      marker.bindTooltip(function () { return el("span", "", t.order + ". " + t.name); });
      markers.push({ marker: marker, texts: t });
    },
    // legs: the map's polylines, leg by leg; the follow card measures along them.
    register: function (map, bounds, legs) {
      window.tourapp.map = map;
      window.tourapp.markers = markers;
      legs = window.tourapp.legs = legs || [];
      labelPopups(map);
      // The map has no view yet (mapview.py): every layer waits for one. The view comes in a
      // task of its own, the lines in the next, then the stops, the tiles last: on a slow
      // phone no single task holds the page for long (Lighthouse's total blocking time).
      var tiles = [];
      map.eachLayer(function (layer) { if (layer instanceof L.GridLayer) tiles.push(layer); });
      tiles.forEach(function (layer) {
        map.removeLayer(layer);
        // The controls are complete from the first paint (nothing in them moves later): the
        // tiles' credit goes in now (Leaflet adds it again with the layer; it shows once).
        if (map.attributionControl) map.attributionControl.addAttribution(layer.getAttribution());
      });
      markers.forEach(function (m) { map.removeLayer(m.marker); });
      legs.forEach(function (line) { map.removeLayer(line); });
      // Each step once the browser has drawn a frame: the layout the last step's changes
      // need is done in that frame, not forced in the next step (a long task on a phone).
      // A page opened in a background tab draws no frames: its steps follow one another.
      function later(step) {
        if (document.hidden) setTimeout(step, 0);
        else requestAnimationFrame(function () { setTimeout(step, 0); });
      }
      later(function () {
        // Room on the left for the 44 px zoom buttons, so that no stop hides under them; no
        // animation: the first view is there at once, and markers do not move under a finger.
        map.fitBounds(bounds, { paddingTopLeft: [64, 24], paddingBottomRight: [24, 32], animate: false });
        later(function () {
          legs.forEach(function (line) { map.addLayer(line); });
          later(function () {
            markers.forEach(function (m) {
              map.addLayer(m.marker);
              var node = m.marker.getElement();
              node.setAttribute("aria-label", m.texts.label);
              node.setAttribute("role", "button");
              node.setAttribute("data-stop", m.texts.id);
            });
            map.fire("tourapp:markers"); // follow.js marks them done, next or later

            later(function () {
              var failed = !tiles.length;
              tiles.forEach(function (layer) {
                map.addLayer(layer);
                // Only when tiles fail (offline, a server down): online, the page pays
                // nothing for it; the service worker has it stored for the day there is no signal.
                layer.once("tileerror", function () { failed = true; baseMap(map); });
                layer.once("load", function () { if (!failed) settled(); });
              });
              if (navigator.onLine === false || failed) baseMap(map);
            });
          });
        });
      });
    }
  };
})();
