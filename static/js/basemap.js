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

  var SLICE = 200; // points of street traced per step (3,700 in the whole city)
  var LABEL_SLICE = 10; // streets whose name is placed per step

  var BaseMap = L.Layer.extend({
    // Each street and zone is kept as its points projected once (world pixels at zoom 0,
    // with their bounding box): a redraw is then arithmetic, traced a slice at a time.
    initialize: function (data) {
      this.data = data;
      this.labels = []; // the names drawn last time (the tests read them)
    },
    project: function (map) {
      var scale = this.data.scale, RAD = Math.PI / 180;
      // The web map's own projection (Leaflet's EPSG3857 at zoom 0) as plain arithmetic,
      // written straight into the arrays: no object per point for the garbage collector, a
      // few milliseconds for the city even on a slow phone.
      var mercator = map.options.crs === L.CRS.EPSG3857;
      function decode(c) {
        var xy = new Float64Array(c.length), x = 0, y = 0, box = [Infinity, Infinity, -Infinity, -Infinity];
        for (var i = 0; i + 1 < c.length; i += 2) {
          x += c[i]; y += c[i + 1];
          var lat = y / scale, lon = x / scale, px, py;
          if (mercator) {
            var sin = Math.sin(Math.max(Math.min(lat, 85.0511287798), -85.0511287798) * RAD);
            px = 256 * (0.5 + lon / 360);
            py = 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
          } else {
            var p = map.project([lat, lon], 0);
            px = p.x; py = p.y;
          }
          xy[i] = px; xy[i + 1] = py;
          if (px < box[0]) box[0] = px;
          if (py < box[1]) box[1] = py;
          if (px > box[2]) box[2] = px;
          if (py > box[3]) box[3] = py;
        }
        return { xy: xy, box: box };
      }
      this.streets = this.data.streets.map(function (s) {
        var shape = decode(s.c);
        shape.name = s.n;
        return shape;
      });
      this.zones = this.data.zones.map(decode);
    },
    onAdd: function (map) {
      this.map = map; // Leaflet's own _map is a private name, mangled in the bundle
      if (!this.streets) this.project(map);
      var pane = map.getPane("basemap") || map.createPane("basemap");
      pane.style.zIndex = 150; // under the tiles (200)
      pane.style.pointerEvents = "none";
      this.pane = pane;
      this.canvas = L.DomUtil.create("canvas", "basemap", pane); // empty until the first view is drawn
      this.canvas.setAttribute("aria-hidden", "true");
      map.on("moveend resize", this.redraw, this);
      this.redraw();
    },
    onRemove: function (map) {
      map.off("moveend resize", this.redraw, this);
      L.DomUtil.remove(this.canvas);
      this.map = null; // the steps left stop
    },
    // A view is drawn in steps, each a task of its own: the background and zones, the
    // streets' casing then their fill a slice at a time, the names last. They draw on a
    // canvas off the page, each step rasterised before it ends (reading a pixel back), so no
    // step holds a slow phone's page for long (Lighthouse's total blocking time); that
    // canvas, finished, then takes the place of the one on the map. (Drawn on the page, a
    // canvas is rasterised at the next frame, in one go; an image would be encoded in one.)
    // A new view cancels the steps left of the old one. "drawn" fires when it is on the map.
    redraw: function () {
      var layer = this, map = this.map, size = map.getSize();
      var ratio = window.devicePixelRatio || 1, zoom = map.getZoom();
      var generation = this.generation = (this.generation || 0) + 1;
      var buffer = L.extend(document.createElement("canvas"), { width: size.x * ratio, height: size.y * ratio });
      var at = map.containerPointToLayerPoint([0, 0]); // the view's top left, in the map's layer
      // World pixel k at zoom 0 is at k × k2 − origin on the screen.
      var k2 = map.getZoomScale(zoom, 0), origin = at.add(map.getPixelOrigin());
      var pad = 0.1, left = (origin.x - size.x * pad) / k2, top = (origin.y - size.y * pad) / k2;
      var right = (origin.x + size.x * (1 + pad)) / k2, bottom = (origin.y + size.y * (1 + pad)) / k2;
      function seen(shape) {
        var b = shape.box;
        return b[0] <= right && b[2] >= left && b[1] <= bottom && b[3] >= top;
      }
      var ctx = buffer.getContext("2d", { willReadFrequently: true });
      function trace(xy) {
        ctx.moveTo(xy[0] * k2 - origin.x, xy[1] * k2 - origin.y);
        for (var i = 2; i + 1 < xy.length; i += 2) ctx.lineTo(xy[i] * k2 - origin.x, xy[i + 1] * k2 - origin.y);
      }
      var shown = this.streets.filter(seen), zones = this.zones.filter(seen);
      var width = Math.max(2, Math.pow(2, zoom - 14) * 1.6);
      var steps = [function () {
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.fillStyle = "#f2efe9";
        ctx.fillRect(0, 0, size.x, size.y);
        ctx.fillStyle = "#e4dcef"; // pedestrian zones
        ctx.beginPath();
        zones.forEach(function (ring) { trace(ring.xy); ctx.closePath(); });
        ctx.fill();
        ctx.lineCap = ctx.lineJoin = "round";
        ctx.font = (zoom >= 17 ? 13 : 11) + "px system-ui, sans-serif"; // the names', later
        ctx.textBaseline = "middle";
      }];
      // Slices of about SLICE points: a few milliseconds of rasterising each.
      var slices = [], slice = [], points = 0;
      shown.forEach(function (s) {
        slice.push(s);
        points += s.xy.length / 2;
        if (points >= SLICE) { slices.push(slice); slice = []; points = 0; }
      });
      if (slice.length) slices.push(slice);
      [["#b9b2a6", width + 2], ["#ffffff", width]].forEach(function (pen) { // casing, then street
        slices.forEach(function (part) {
          steps.push(function () {
            ctx.strokeStyle = pen[0];
            ctx.lineWidth = pen[1];
            ctx.beginPath();
            part.forEach(function (s) { trace(s.xy); });
            ctx.stroke();
          });
        });
      });
      // Names along the chord of each street's part in view, where they fit and do not
      // overlap: LABEL_SLICE streets a step.
      var taken = [], labels = [], named = {};
      if (zoom >= 15) {
        for (var from = 0; from < shown.length; from += LABEL_SLICE) {
          steps.push(names.bind(null, shown.slice(from, from + LABEL_SLICE)));
        }
      }
      steps.push(function () { layer.labels = labels; });
      function names(part) {
        part.forEach(function (s) {
          if (!s.name || named[s.name]) return;
          var xy = s.xy, first = -1, last = -1;
          for (var i = 0; i + 1 < xy.length; i += 2) {
            var x = xy[i] * k2 - origin.x, y = xy[i + 1] * k2 - origin.y;
            if (x >= -size.x * pad && y >= -size.y * pad && x <= size.x * (1 + pad) && y <= size.y * (1 + pad)) {
              if (first < 0) first = i;
              last = i;
            }
          }
          if (first < 0 || first === last) return;
          var a = L.point(xy[first] * k2 - origin.x, xy[first + 1] * k2 - origin.y);
          var b = L.point(xy[last] * k2 - origin.x, xy[last + 1] * k2 - origin.y);
          var text = ctx.measureText(s.name).width;
          if (a.distanceTo(b) < text + 8) return;
          var mid = a.add(b).divideBy(2);
          if (mid.x < 0 || mid.y < 0 || mid.x > size.x || mid.y > size.y) return;
          var box = L.bounds([mid.x - text / 2 - 4, mid.y - 9], [mid.x + text / 2 + 4, mid.y + 9]);
          if (taken.some(function (t) { return t.intersects(box); })) return;
          taken.push(box);
          named[s.name] = true;
          var angle = Math.atan2(b.y - a.y, b.x - a.x);
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
      var next = 0;
      function show() { // the finished view, swapped in at once: rasterised already, step by step
        buffer.className = "basemap";
        buffer.setAttribute("aria-hidden", "true");
        L.extend(buffer.style, { width: size.x + "px", height: size.y + "px" });
        L.DomUtil.setPosition(buffer, at);
        layer.pane.replaceChild(buffer, layer.canvas);
        layer.canvas = buffer;
        layer.fire("drawn");
      }
      setTimeout(function step() { // the first step too: not in the task that asked for the view
        if (layer.generation !== generation || !layer.map) return; // a newer view, or removed
        steps[next++]();
        if (next < steps.length) {
          ctx.getImageData(0, 0, 1, 1); // rasterised now, within this step
          setTimeout(step, 0);
        } else show();
      }, 0);
    }
  });

  function load(map) {
    var box = map.getContainer(), url = box.getAttribute("data-basemap");
    if (!url || !window.fetch) return;
    // The data read, its streets projected, the layer added: each in a task of its own.
    function later(value) { return new Promise(function (done) { setTimeout(done, 0, value); }); }
    fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(later).then(function (data) {
      var layer = new BaseMap(data);
      layer.project(map);
      return later(layer);
    }).then(function (layer) {
      var data = layer.data;
      // Marked drawn (the tests wait on it) once its first view is complete.
      layer.once("drawn", function () {
        box.setAttribute("data-basemap-drawn", "");
        if (app.mapComplete) app.mapComplete(); // the offline worker may download now (site.js)
      });
      map.addLayer(layer);
      window.tourapp.basemap = layer;
      // The city's credit, once: the walk's own credit (the same open data) may give it already.
      var lang = document.documentElement.lang === "en" ? "en" : "fr";
      var credit = data.credit[lang] || data.credit.fr;
      var control = map.attributionControl;
      if (control && control.getContainer().textContent.indexOf(credit) < 0) control.addAttribution(asHtml(credit));
    }).catch(function (e) {
      console.warn("tourapp: no base map:", e); // the tiles alone, as before
      if (app.mapComplete) app.mapComplete();
    });
  }
  load(app.map);
})();
