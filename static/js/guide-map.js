/* tourapp guide mode: the map of the walk as participants see it (the legs and stops done,
 * next and later, styled as on their map), the group's position and this phone's.
 * In a bundle with Leaflet (bundles.py, "guide-map.js"), fetched by guide.js once the page
 * has loaded; guide.js says what to draw (window.tourapp.guide.state()) and fires
 * "guide:render" on #guide when it changes. Stop names and guides' names are text: DOM
 * nodes with textContent, never HTML. */
(function () {
  "use strict";
  var app = window.tourapp || {}, guide = app.guide;
  var box = document.getElementById("guide-map"), root = document.getElementById("guide");
  if (!box || !root || !guide || !window.L) return;
  var settings = JSON.parse(box.getAttribute("data-map"));
  var stops = guide.stops, T = guide.texts, common = app.common;
  var plural = new Intl.PluralRules(document.documentElement.lang || "fr");

  var map = L.map(box, { zoomControl: false, scrollWheelZoom: false });
  L.control.zoom({ zoomInTitle: box.getAttribute("data-zoom-in"), zoomOutTitle: box.getAttribute("data-zoom-out") }).addTo(map);
  var credit = document.createElement("a");
  credit.href = "https://leafletjs.com";
  credit.textContent = "Leaflet";
  map.attributionControl.setPrefix(credit.outerHTML);

  var bounds = L.latLngBounds(stops.map(function (s) { return [s.lat, s.lon]; }));
  settings.legs.forEach(function (path) { path.forEach(function (p) { bounds.extend(p); }); });
  // Room on the left for the 44 px zoom buttons, as on the participants' map;
  // first: a map without a view draws no layer.
  map.fitBounds(bounds, { paddingTopLeft: [64, 24], paddingBottomRight: [24, 32], animate: false });
  var legs = settings.legs.map(function (path, j) {
    var line = L.polyline(path, { color: "#0b5cad", weight: 5, opacity: 0.8, interactive: false }).addTo(map);
    line.getElement().setAttribute("data-leg", String(j));
    return line;
  });
  var markers = stops.map(function (stop) {
    var disc = document.createElement("span");
    disc.className = "stop-marker__n";
    disc.textContent = String(stop.order);
    var marker = L.marker([stop.lat, stop.lon], {
      icon: L.divIcon({ className: "stop-marker", html: disc, iconSize: [44, 44] }), keyboard: false
    }).addTo(map);
    var node = marker.getElement();
    node.setAttribute("data-stop", stop.id);
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", stop.order + ". " + stop.name);
    return marker;
  });

  var tiles = L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 19, crossOrigin: true });
  tiles.addTo(map);
  /* The offline base map (basemap.js, stored by the service worker): once a tile fails. */
  var asked = false;
  function baseMap() {
    var url = box.getAttribute("data-basemap-script");
    if (asked || !url) return;
    asked = true;
    app.map = map; // basemap.js draws on window.tourapp.map
    var script = document.createElement("script");
    script.src = url;
    document.head.appendChild(script);
  }
  tiles.once("tileerror", baseMap);
  if (navigator.onLine === false) baseMap();

  var group = null, groupLabel = document.createElement("span"), me = null;
  function ageText(ms) {
    var min = Math.floor(ms / 60000);
    return min < 1 ? T.just_now : common.fill(T.ago, { time: common.counted(T.minutes, min, plural) });
  }
  function status(s, k) {
    if (k < s.reached || (k === s.reached && !s.at)) return "done";
    if (k === s.reached) return "current";
    return k === s.reached + 1 && s.where !== "finished" ? "next" : "";
  }
  function draw() {
    var s = guide.state();
    markers.forEach(function (marker, k) {
      var node = marker.getElement(), kind = status(s, k);
      ["done", "current", "next"].forEach(function (c) { node.classList.toggle("is-" + c, kind === c); });
      node.setAttribute("data-status", kind || "later");
    });
    legs.forEach(function (line, j) { // leg j leads to stop j + 1
      var node = line.getElement();
      var kind = j + 1 <= s.reached ? "done" : j === s.reached && s.where !== "finished" ? "next" : "";
      node.classList.toggle("leg-done", kind === "done");
      node.classList.toggle("leg-next", kind === "next");
      if (kind === "next") line.bringToFront();
    });
    var p = s.group;
    if (!p) {
      if (group) { group.remove(); group = null; }
    } else {
      groupLabel.textContent = (p.guide || T.guide) + ", " + ageText(Date.now() - p.t * 1000);
      if (!group) {
        group = L.circleMarker([p.lat, p.lon], { radius: 11, className: "guide-group-marker", color: "#ffffff",
          weight: 3, fillColor: "#1a7f37", fillOpacity: 1, interactive: false }).addTo(map);
        // "auto": to the left on the map's right half, so the label stays on the map.
        group.bindTooltip(groupLabel, { permanent: true, direction: "auto", className: "guide-group-label" });
        // Leaflet picks the side when the tooltip opens or the map zooms: again after a pan.
        map.on("moveend", function () { if (group && group.getTooltip()) group.getTooltip().update(); });
      } else {
        group.setLatLng([p.lat, p.lon]);
        group.setTooltipContent(groupLabel);
      }
    }
    if (!s.fix) {
      if (me) { me.remove(); me = null; }
    } else if (!me) {
      me = L.circleMarker([s.fix.lat, s.fix.lon], { radius: 7, className: "guide-me-marker", color: "#ffffff",
        weight: 2, fillColor: "#0b5cad", fillOpacity: 1, interactive: false }).addTo(map);
    } else {
      me.setLatLng([s.fix.lat, s.fix.lon]);
    }
    box.setAttribute("data-drawn", String((Number(box.getAttribute("data-drawn")) || 0) + 1));
  }
  root.addEventListener("guide:render", draw);
  draw();
  app.guideMap = map;
})();
