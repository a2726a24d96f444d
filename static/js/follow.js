/* tourapp "follow the walk": where am I, what is next, on time or late.
 * Everything comes from #follow[data-follow] (rendered per language and tour version);
 * every text is translated on the server, this script only fills {placeholders}.
 * Stop names are file data: they only ever reach the page through textContent. */
(function () {
  "use strict";
  var root = document.getElementById("follow");
  if (!root) return;
  var data;
  try {
    data = JSON.parse(root.getAttribute("data-follow"));
  } catch (e) {
    return;
  }
  var M = data.messages;
  var stops = data.stops;
  var legs = data.legs;
  var n = stops.length;
  if (!n) return;

  var R = 6371009; // geopy's great_circle radius: the same metres as the server
  var RAD = Math.PI / 180;
  var LEAVE_MARGIN_M = 15; // hysteresis, so a fix on the radius does not flicker in and out
  var plural = new Intl.PluralRules(data.lang);
  var metres = new Intl.NumberFormat(data.lang, { maximumFractionDigits: 0 });
  var km = new Intl.NumberFormat(data.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function $(selector) { return root.querySelector(selector); }
  var ui = {
    here: $(".follow-here"), kind: $(".follow-kind"), count: $(".follow-count"),
    name: $(".follow-name"), distance: $(".follow-distance"), time: $(".follow-time"),
    verdict: $(".follow-verdict"), message: $(".follow-message"), announce: $(".follow-announce"),
    prev: $(".follow-prev"), next: $(".follow-next")
  };

  function fill(text, vars) {
    // A function replacer: "$&" in a stop name stays text.
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : all;
    });
  }
  function counted(forms, num) { return fill(forms[plural.select(num)] || forms.other, { num: num }); }
  // Like the server's distance filter: 10 m steps, then km with one decimal
  // (rounded first, so 998 m reads "1.0 km", not "1,000 m").
  function distanceText(m) {
    var r = Math.round(m / 10) * 10;
    return r < 1000 ? metres.format(r) + "\u00a0m" : km.format(m / 1000) + "\u00a0km";
  }
  // Same as tour.walk_minutes: rounded up, people arrive late rather than early.
  function walkMin(m) { return Math.ceil(m / (data.speed_kmh * 1000 / 60) - 1e-9); }

  function haversine(a, b) {
    var dLat = (b[0] - a[0]) * RAD, dLon = (b[1] - a[1]) * RAD;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(a[0] * RAD) * Math.cos(b[0] * RAD) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function where(k) { return [stops[k].lat, stops[k].lon]; }

  // For each leg, the length of its path from each vertex to the end.
  legs.forEach(function (leg) {
    var p = leg.path, rest = [];
    rest[p.length - 1] = 0;
    for (var i = p.length - 2; i >= 0; i--) rest[i] = rest[i + 1] + haversine(p[i], p[i + 1]);
    leg.rest = rest;
  });

  /* The point of a leg nearest to pos: how far off the path, and how much path is left.
   * Projected on a plane tangent at pos: exact enough within a city. */
  function onLeg(leg, pos) {
    var p = leg.path, kx = Math.cos(pos[0] * RAD) * R * RAD, ky = R * RAD, best = null;
    for (var i = 0; i + 1 < p.length; i++) {
      var ax = (p[i][1] - pos[1]) * kx, ay = (p[i][0] - pos[0]) * ky;
      var dx = (p[i + 1][1] - pos[1]) * kx - ax, dy = (p[i + 1][0] - pos[0]) * ky - ay;
      var len2 = dx * dx + dy * dy;
      var t = len2 ? Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2)) : 0;
      var off = Math.sqrt(Math.pow(ax + t * dx, 2) + Math.pow(ay + t * dy, 2));
      if (!best || off < best.off) {
        best = { off: off, left: (1 - t) * haversine(p[i], p[i + 1]) + leg.rest[i + 1] };
      }
    }
    return best;
  }
  function legTo(k) { return k > 0 && legs[k - 1] && legs[k - 1].to === stops[k].id ? legs[k - 1] : null; }

  /* Metres to stop k: along its leg when near it, else as the crow flies. */
  function distanceTo(k, pos) {
    var leg = legTo(k);
    if (leg && leg.path.length > 1) {
      var near = onLeg(leg, pos);
      if (near.off <= data.near_leg_m) return near.off + near.left;
    }
    return haversine(pos, where(k));
  }

  /* The tour's wall clock, in minutes since midnight of the walk's day; null on any other day.
   * ?at=HH:MM (checked by the server) starts a preview clock at that time, then lets it run. */
  var wall = new Intl.DateTimeFormat("en-GB", {
    timeZone: data.timezone, hourCycle: "h23", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
  });
  var previewAt = /^(\d{1,2}):(\d{2})$/.exec(root.getAttribute("data-preview-at") || "");
  var loadedAt = Date.now();
  function now() {
    // live.js's clock: the guide's walk clock, or a solo walker's own start ("Start now").
    var hooked = window.tourapp && window.tourapp.clock ? window.tourapp.clock() : null;
    if (typeof hooked === "number") return hooked;
    if (previewAt) return (+previewAt[1]) * 60 + (+previewAt[2]) + (Date.now() - loadedAt) / 60000;
    var p = {};
    wall.formatToParts(new Date()).forEach(function (part) { p[part.type] = part.value; });
    if (p.year + "-" + p.month + "-" + p.day !== data.date) return null;
    return (+p.hour) * 60 + (+p.minute) + (+p.second) / 60;
  }

  /* State: `next` is the stop the card shows (n when the walk is over); `at` says the
   * group stands at stop next-1. `source` says who set it: "schedule" (the clock alone:
   * no verdict, it would always say on time), "position" or "manual" (the buttons,
   * kept until the position shows an arrival). */
  var state = { next: 0, at: false, source: "schedule" };
  var fix = null; // { pos: [lat, lon], accuracy: metres }

  function fromSchedule(t) {
    if (t === null) return;
    state.next = n;
    state.at = true;
    for (var k = 0; k < n; k++) {
      if (t < stops[k].arrival_min) { state.next = k; state.at = false; return; }
      if (t < stops[k].departure_min) { state.next = k + 1; return; }
    }
  }
  fromSchedule(now());

  function precise() { return fix !== null && fix.accuracy <= data.max_accuracy_m; }

  /* A new position: arrivals first, then which leg we are on. */
  function place() {
    if (!precise()) return;
    var radius = Math.max(data.arrival_radius_m, fix.accuracy);
    var closest = -1, closestM = Infinity;
    for (var k = 0; k < n; k++) {
      var d = haversine(fix.pos, where(k));
      if (d <= radius && d < closestM) { closest = k; closestM = d; }
    }
    if (closest >= 0) {
      state.next = closest + 1;
      state.at = true;
      state.source = "position";
      return;
    }
    if (state.at && state.next > 0 &&
        haversine(fix.pos, where(state.next - 1)) > radius + LEAVE_MARGIN_M) {
      state.at = false;
    }
    if (state.source === "manual") return;
    // Not at a stop: on which leg? Keep the current one while we are near it.
    var current = state.next < n ? legTo(state.next) : null;
    if (current && onLeg(current, fix.pos).off <= data.near_leg_m) return;
    var best = -1, bestOff = data.near_leg_m;
    for (var i = 1; i < n; i++) {
      var leg = legTo(i);
      if (!leg) continue;
      var off = onLeg(leg, fix.pos).off;
      if (off <= bestOff) { best = i; bestOff = off; }
    }
    if (best > 0) { state.next = best; state.at = false; state.source = "position"; }
  }

  /* « on time », « N min late », « N min early »; null when there is nothing to compare. */
  function verdict(t, metresLeft) {
    if (t === null || (state.source === "schedule" && metresLeft === null)) return null;
    var delta;
    if (state.at) {
      var s = stops[state.next - 1];
      if (t > s.departure_min) delta = t - s.departure_min;
      else if (t < s.arrival_min) delta = t - s.arrival_min;
      else delta = 0;
    } else if (state.next >= n) {
      return null;
    } else if (metresLeft !== null) {
      delta = t + walkMin(metresLeft) - stops[state.next].arrival_min;
    } else if (t > stops[state.next].arrival_min) {
      delta = t - stops[state.next].arrival_min; // no position: late at least by this much
    } else {
      return null;
    }
    var d = Math.round(delta);
    if (Math.abs(d) <= data.on_time_min) return { kind: "on-time", text: M.on_time };
    return d > 0 ? { kind: "late", text: counted(M.late, d) } : { kind: "early", text: counted(M.early, -d) };
  }

  function show(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  var shown = null;
  function render() {
    var t = now();
    var k = state.next;
    var done = k >= n;
    var metresLeft = !done && fix ? distanceTo(k, fix.pos) : null;
    show(ui.here, state.at && k > 0 ? fill(M.at, { name: stops[k - 1].name }) + " · " +
      fill(M.departure, { time: stops[k - 1].departure_label }) : "");
    ui.kind.textContent = done ? "" : M.next;
    ui.count.textContent = done ? "" : fill(M.stop_of, { number: k + 1, count: n });
    ui.name.textContent = done ? M.finished : stops[k].name;
    ui.distance.textContent = metresLeft === null ? "" :
      fill(M.walk, { distance: distanceText(metresLeft), time: counted(M.minutes, walkMin(metresLeft)) });
    ui.time.textContent = done ? "" : fill(M.arrival, { time: stops[k].arrival_label });
    var v = verdict(t, metresLeft);
    show(ui.verdict, v && v.text);
    ui.verdict.className = "follow-verdict" + (v ? " is-" + v.kind : "");
    root.setAttribute("data-next", done ? "" : stops[k].id);
    root.setAttribute("data-at", state.at && k > 0 ? stops[k - 1].id : "");
    ui.prev.disabled = k === 0 && !state.at;
    ui.next.disabled = done;
    mark();
    var key = k + (state.at ? "@" : "");
    if (shown !== null && key !== shown) announce();
    shown = key;
    root.dispatchEvent(new Event("follow:render")); // live.js redraws its part of the card
  }

  function announce() {
    var k = state.next, parts = [];
    if (state.at && k > 0) parts.push(fill(M.announce_arrived, { name: stops[k - 1].name }));
    parts.push(k < n ? fill(M.announce_next, { name: stops[k].name }) : M.finished);
    ui.announce.textContent = parts.join(" ");
  }

  /* The itinerary: done / current / next, as classes, aria-current and hidden text. */
  function mark() {
    stops.forEach(function (stop, i) {
      var item = document.getElementById("stop-" + stop.id);
      if (!item) return;
      var status = i < state.next - 1 || (i === state.next - 1 && !state.at) ? "done" :
        i === state.next - 1 ? "current" : i === state.next ? "next" : "";
      item.classList.toggle("is-done", status === "done");
      item.classList.toggle("is-current", status === "current");
      item.classList.toggle("is-next", status === "next");
      var step = status === "current" || (status === "next" && !state.at);
      if (step) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
      var heading = item.querySelector(".stop-name") || item;
      var label = heading.querySelector(".stop-status");
      if (!label) {
        label = document.createElement("span");
        label.className = "stop-status visually-hidden";
        heading.appendChild(label);
      }
      label.textContent = status ? " " + M["status_" + status] : "";
    });
  }

  ui.prev.addEventListener("click", function () {
    if (state.next > 0) state.next -= 1;
    state.at = state.next > 0;
    state.source = "manual";
    render();
  });
  ui.next.addEventListener("click", function () {
    if (state.next < n) state.next += 1;
    state.at = true;
    state.source = "manual";
    render();
  });
  ui.prev.hidden = false;
  ui.next.hidden = false;

  /* Position: a "locate me" control on the map, watchPosition, a dot and its accuracy. */
  var map = window.tourapp && window.tourapp.map;
  var watch = null, dot = null, circle = null, button = null, centred = false;

  function message(text) { ui.message.textContent = text || ""; }

  function onPosition(p) {
    fix = { pos: [p.coords.latitude, p.coords.longitude], accuracy: p.coords.accuracy };
    var acc = distanceText(fix.accuracy);
    message(precise() ? "" : fill(M.inaccurate, { accuracy: acc }));
    if (map) {
      var ll = L.latLng(fix.pos[0], fix.pos[1]);
      if (!dot) {
        circle = L.circle(ll, { radius: fix.accuracy, interactive: false, className: "follow-accuracy",
          color: "#0b5cad", weight: 1, fillOpacity: 0.12 }).addTo(map);
        dot = L.circleMarker(ll, { radius: 8, interactive: false, className: "follow-position",
          color: "#ffffff", weight: 3, fillColor: "#d1004b", fillOpacity: 1 }).addTo(map);
      } else {
        circle.setLatLng(ll).setRadius(fix.accuracy);
        dot.setLatLng(ll);
      }
      if (!centred && !map.getBounds().contains(ll)) map.panTo(ll);
      centred = true;
    }
    if (button) button.setAttribute("title", fill(M.you, { accuracy: acc }));
    place();
    render();
  }

  function onError(err) {
    if (err.code === 1) { // PERMISSION_DENIED: watching again would only fail again
      stop();
      message(M.denied);
    } else {
      message(err.code === 3 ? M.timeout : M.unavailable);
    }
  }

  function start() {
    if (!("geolocation" in navigator)) { message(M.unsupported); return; }
    if (watch !== null) return;
    message(M.locating);
    watch = navigator.geolocation.watchPosition(onPosition, onError,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    if (button) button.setAttribute("aria-pressed", "true");
  }

  function stop() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    fix = null;
    if (dot) { dot.remove(); circle.remove(); dot = circle = null; }
    if (button) {
      button.setAttribute("aria-pressed", "false");
      button.setAttribute("title", M.locate);
    }
    message("");
    render();
  }

  if (map && window.L) {
    var Locate = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "leaflet-bar follow-locate");
        button = L.DomUtil.create("button", "follow-locate__button", box);
        button.type = "button";
        button.setAttribute("aria-label", M.locate);
        button.setAttribute("title", M.locate);
        button.setAttribute("aria-pressed", "false");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(button, "click", function () { if (watch === null) start(); else stop(); });
        return box;
      }
    });
    map.addControl(new Locate());
  }

  // Already allowed on an earlier visit: follow at once, without a prompt.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted") start();
    }, function () {});
  }

  function tick() {
    if (state.source === "schedule") {
      fromSchedule(now());
      place();
    }
    render();
  }
  render();
  setInterval(tick, 20000); // the clock moves even when the position does not
  // For live.js: the phone's position stays in this page, live.js only measures from it.
  window.tourapp = window.tourapp || {};
  window.tourapp.follow = {
    position: function () { return precise() ? fix.pos.slice() : null; },
    distance: haversine, // metres between two [lat, lon], as the card measures them
    stops: stops,
    refresh: tick
  };
})();
