/* tourapp's offline base map: the city's streets and their names (tools/build_basemap.py
 * writes the data), drawn on a canvas under the tiles, which cover it wherever they load.
 * tour-map.js loads this script once a tile fails and the page has loaded. Street names
 * are file data: drawn as canvas text, never HTML. */
(function () {
  "use strict";
  var app = window.tourapp;
  if (!app || !app.map || !window.L) return;
  function asHtml(value) { // for the attribution control, which takes HTML
    var span = document.createElement("span");
    span.textContent = value;
    return span.outerHTML;
  }

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

  function load(map) {
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
      if (control && control.getContainer().textContent.indexOf(credit) < 0) control.addAttribution(asHtml(credit));
      box.setAttribute("data-basemap-drawn", "");
    }).catch(function (e) { console.warn("tourapp: no base map:", e); }); // the tiles alone, as before
  }
  load(app.map);
})();
