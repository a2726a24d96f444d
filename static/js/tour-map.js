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

  function labelPopups(map) {
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && texts.closePopup) close.setAttribute("aria-label", texts.closePopup);
    });
  }

  /* The offline base map (tools/build_basemap.py): the city's streets and their names,
   * drawn on a canvas under the tiles, from a versioned JSON file fetched once the page has
   * loaded (the first render never waits for it; the service worker keeps it offline).
   * Online, the tiles cover it as they arrive; where a tile fails, the streets show. */
  var BaseMap = L.Layer.extend({
    initialize: function (data) {
      var scale = data.scale;
      function decode(c) {
        var out = [], x = 0, y = 0;
        for (var i = 0; i + 1 < c.length; i += 2) { x += c[i]; y += c[i + 1]; out.push(L.latLng(y / scale, x / scale)); }
        return out;
      }
      this.streets = data.streets.map(function (s) { return { name: s.n, walk: s.p, points: decode(s.c) }; });
      this.zones = data.zones.map(decode);
      this.labels = []; // the names drawn last time (the tests read them)
    },
    onAdd: function (map) {
      this.map = map; // Leaflet's own _map is a private name, mangled in the bundle
      var pane = map.getPane("basemap") || map.createPane("basemap");
      pane.style.zIndex = 150; // under the tiles (200)
      pane.style.pointerEvents = "none";
      this.canvas = L.DomUtil.create("canvas", "basemap", pane);
      this.canvas.setAttribute("aria-hidden", "true");
      map.on("moveend resize", this.redraw, this);
      this.redraw();
    },
    onRemove: function (map) {
      map.off("moveend resize", this.redraw, this);
      L.DomUtil.remove(this.canvas);
    },
    redraw: function () {
      var map = this.map, canvas = this.canvas, size = map.getSize();
      var ratio = window.devicePixelRatio || 1, zoom = map.getZoom();
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var ctx = canvas.getContext("2d"), view = map.getBounds().pad(0.1);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = "#f2efe9";
      ctx.fillRect(0, 0, size.x, size.y);
      function path(points) {
        ctx.beginPath();
        points.forEach(function (ll, i) {
          var p = map.latLngToContainerPoint(ll);
          if (i) ctx.lineTo(p.x, p.y); else ctx.moveTo(p.x, p.y);
        });
      }
      ctx.fillStyle = "#e4dcef"; // pedestrian zones
      this.zones.forEach(function (ring) { path(ring); ctx.fill(); });
      var shown = this.streets.filter(function (s) {
        return s.points.some(function (ll) { return view.contains(ll); });
      });
      var width = Math.max(2, Math.pow(2, zoom - 14) * 1.6);
      ctx.lineCap = ctx.lineJoin = "round";
      [["#b9b2a6", width + 2], ["#ffffff", width]].forEach(function (pen) { // casing, then street
        ctx.strokeStyle = pen[0];
        ctx.lineWidth = pen[1];
        shown.forEach(function (s) { path(s.points); ctx.stroke(); });
      });
      // Names along each street's longest piece in view, where they fit and do not overlap.
      this.labels = [];
      if (zoom < 15) return;
      ctx.font = (zoom >= 17 ? 13 : 11) + "px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      var taken = [], labels = this.labels, seen = {};
      shown.forEach(function (s) {
        if (!s.name || seen[s.name]) return;
        // The chord of the street's part in view: straight enough for a name on most streets.
        var inView = s.points.filter(function (ll) { return view.contains(ll); });
        if (inView.length < 2) return;
        var a = map.latLngToContainerPoint(inView[0]), b = map.latLngToContainerPoint(inView[inView.length - 1]);
        var best = { a: a, b: b, len: a.distanceTo(b) };
        var text = ctx.measureText(s.name).width;
        if (!best || best.len < text + 8) return;
        var mid = best.a.add(best.b).divideBy(2);
        if (mid.x < 0 || mid.y < 0 || mid.x > size.x || mid.y > size.y) return;
        var box = L.bounds([mid.x - text / 2 - 4, mid.y - 9], [mid.x + text / 2 + 4, mid.y + 9]);
        if (taken.some(function (t) { return t.intersects(box); })) return;
        taken.push(box);
        seen[s.name] = true;
        var angle = Math.atan2(best.b.y - best.a.y, best.b.x - best.a.x);
        if (angle > Math.PI / 2) angle -= Math.PI; else if (angle < -Math.PI / 2) angle += Math.PI;
        ctx.save();
        ctx.translate(mid.x, mid.y);
        ctx.rotate(angle);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "#ffffff";
        ctx.strokeText(s.name, -text / 2, 0);
        ctx.fillStyle = "#3b3b3b";
        ctx.fillText(s.name, -text / 2, 0);
        ctx.restore();
        labels.push(s.name);
      });
    }
  });

  function loadBaseMap(map) {
    var box = map.getContainer(), url = box.getAttribute("data-basemap");
    if (!url || !window.fetch) return;
    fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (data) {
      var layer = new BaseMap(data);
      map.addLayer(layer);
      window.tourapp.basemap = layer;
      // The city's credit, once: the walk's own credit (the same open data) may give it already.
      var lang = document.documentElement.lang === "en" ? "en" : "fr";
      var credit = data.credit[lang] || data.credit.fr;
      var control = map.attributionControl;
      if (control && control.getContainer().textContent.indexOf(credit) < 0) control.addAttribution(el("span", "", credit).outerHTML);
      box.setAttribute("data-basemap-drawn", "");
    }).catch(function (e) { console.warn("tourapp: no base map:", e); }); // the tiles alone, as before
  }
  function afterLoad(map) {
    function go() { setTimeout(function () { loadBaseMap(map); }, 0); }
    if (document.readyState === "complete") go();
    else window.addEventListener("load", go);
  }

  window.tourapp = {
    bindStop: function (marker, t) {
      marker.bindPopup(function () { return popupContent(t); }, { maxWidth: 280 });
      marker.bindTooltip(function () { return el("span", "", t.order + ". " + t.name); });
      markers.push({ marker: marker, texts: t });
    },
    // legs: the map's polylines, leg by leg; the follow card measures along them.
    register: function (map, bounds, legs) {
      window.tourapp.map = map;
      window.tourapp.markers = markers;
      window.tourapp.legs = legs || [];
      labelPopups(map);
      // The map has no view yet (mapview.py): every layer waits for one. The view and the
      // lines come in a task of their own, the stops in the next, the tiles last: on a slow
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
      function later(step) { setTimeout(step, 0); }
      later(function () {
        // Room on the left for the 44 px zoom buttons, so that no stop hides under them; no
        // animation: the first view is there at once, and markers do not move under a finger.
        map.fitBounds(bounds, { paddingTopLeft: [64, 24], paddingBottomRight: [24, 32], animate: false });
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
            tiles.forEach(function (layer) { map.addLayer(layer); });
            afterLoad(map);
          });
        });
      });
    }
  };
})();
