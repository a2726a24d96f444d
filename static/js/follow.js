/* tourapp "follow the walk": where am I, what is next, on time or late.
 * Everything comes from #follow[data-follow] (rendered per language and tour version);
 * every text is translated on the server, this script only fills {placeholders}.
 * Stop names are file data: they only ever reach the page through textContent. */
(function () {
  "use strict";
  // This file is bundled before the map script, both deferred: deferred scripts run while
  // readyState is "interactive", all of them before DOMContentLoaded.
  // Its own task, after the map's: a phone's main thread is never blocked long at once.
  function later() { setTimeout(follow, 0); }
  if (document.readyState === "complete") later();
  else document.addEventListener("DOMContentLoaded", later);

  function follow() {
  var root = document.getElementById("follow");
  if (!root) return;
  var data, M, stops, legs, n, stopIndex, drawn;
  try {
    data = JSON.parse(root.getAttribute("data-follow"));
  } catch (e) {
    return;
  }
  if (!data.stops.length) return;

  var R = 6371009; // geopy's great_circle radius: the same metres as the server
  var RAD = Math.PI / 180;
  var LEAVE_MARGIN_M = 15; // hysteresis, so a fix on the radius does not flicker in and out
  var plural = new Intl.PluralRules(data.lang);
  // Number formats are made on first use (a position): the first one loads the browser's
  // number data, tens of milliseconds on a slow phone, not to be spent while the page loads.
  var formats = {};
  function number(value, decimals) {
    var f = formats[decimals] = formats[decimals] || new Intl.NumberFormat(data.lang,
      { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    return f.format(value);
  }

  function $(selector) { return root.querySelector(selector); }
  var ui = {}; // each part of the card by its class, .follow-<name> (fewer bytes than a list)
  "here kind count name distance time verdict message announce prev next more browse iam back"
    .split(" ").forEach(function (part) { ui[part] = $(".follow-" + part); });

  var common = window.tourapp.common; // common.js: one copy of the helpers
  var fill = common.fill;
  // A time of day as the server writes it (i18n.TIME_PATTERNS): « 14 h 05 », "2:05 PM".
  function clockText(h, m) { return common.clockText(data.lang, h, m); }
  function counted(forms, num) { return common.counted(forms, num, plural); }
  // Like the server's distance filter: 10 m steps, then km with one decimal
  // (rounded first, so 998 m reads "1.0 km", not "1,000 m").
  function distanceText(m) {
    var r = Math.round(m / 10) * 10;
    return r < 1000 ? number(r, 0) + "\u00a0m" : number(m / 1000, 1) + "\u00a0km";
  }
  function walkMin(m) { return common.walkMin(m, data.speed_kmh); }
  var haversine = common.metres;
  function where(k) { return [stops[k].lat, stops[k].lon]; }

  /* The walk's data (again when the page takes a new version in place: swap.js). Each
   * leg's path comes from the map's line (sent once, in the map script), joined to
   * its stops so that the distance left runs to the stop itself. Its length is scaled to
   * the leg's own distance: at the start of a leg the card says what the itinerary says. */
  function use(d) {
  data = d; M = d.messages; stops = d.stops; legs = d.legs; n = stops.length;
  stopIndex = {};
  drawn = (window.tourapp && window.tourapp.legs) || [];
  var places = {};
  stops.forEach(function (stop, k) { stopIndex[stop.id] = k; places[stop.id] = [stop.lat, stop.lon]; });
  legs.forEach(function (leg, i) {
    var p = drawn[i] ? drawn[i].getLatLngs().map(function (ll) { return [ll.lat, ll.lng]; }) : [];
    var start = places[leg.from], end = places[leg.to];
    if (start && !(p.length && same(p[0], start))) p.unshift(start);
    if (end && !same(p[p.length - 1], end)) p.push(end);
    var from = [0];
    for (var i2 = 1; i2 < p.length; i2++) from[i2] = from[i2 - 1] + haversine(p[i2 - 1], p[i2]);
    leg.path = p;
    leg.from = from; // metres of path from the leg's start to each point
    leg.length = from[p.length - 1] || 0;
    leg.scale = leg.length > 0 ? leg.distance_m / leg.length : 1;
    leg.done = null; // metres of path the walker has followed (null: not on it yet)
    leg.seen = null; // where the walker was then ([lat, lon])
  });
  }
  function same(a, b) { return a[0] === b[0] && a[1] === b[1]; }
  use(data);

  /* The point of a leg nearest to pos, among the path's metres lo to hi: how far off the
   * path it is and how many metres of path precede it. Projected on a plane tangent at
   * pos: exact enough within a city. */
  function onLeg(leg, pos, lo, hi) {
    var p = leg.path, kx = Math.cos(pos[0] * RAD) * R * RAD, ky = R * RAD, best = null;
    lo = lo === undefined ? 0 : lo;
    hi = hi === undefined ? Infinity : hi;
    for (var i = 0; i + 1 < p.length; i++) {
      var a = leg.from[i], b = leg.from[i + 1];
      if (b < lo || a > hi) continue;
      var ax = (p[i][1] - pos[1]) * kx, ay = (p[i][0] - pos[0]) * ky;
      var dx = (p[i + 1][1] - pos[1]) * kx - ax, dy = (p[i + 1][0] - pos[0]) * ky - ay;
      var len2 = dx * dx + dy * dy, seg = b - a;
      var t = len2 ? -(ax * dx + ay * dy) / len2 : 0;
      var tLo = seg ? Math.max(0, (lo - a) / seg) : 0, tHi = seg ? Math.min(1, (hi - a) / seg) : 1;
      t = Math.max(tLo, Math.min(tHi, t));
      var off = Math.sqrt(Math.pow(ax + t * dx, 2) + Math.pow(ay + t * dy, 2));
      if (!best || off < best.off) best = { off: off, done: a + t * seg };
    }
    return best || { off: Infinity, done: 0 };
  }
  function pointAt(leg, done) {
    var p = leg.path;
    for (var i = 0; i + 1 < p.length; i++) {
      if (done <= leg.from[i + 1]) {
        var seg = leg.from[i + 1] - leg.from[i], t = seg ? (done - leg.from[i]) / seg : 0;
        return [p[i][0] + t * (p[i + 1][0] - p[i][0]), p[i][1] + t * (p[i + 1][1] - p[i][1])];
      }
    }
    return p[p.length - 1];
  }
  function legTo(k) { return k > 0 && legs[k - 1] && legs[k - 1].to === stops[k].id ? legs[k - 1] : null; }
  function startLeg(k) { // the walker is at stop k - 1: its leg starts here
    var leg = legTo(k);
    if (leg) { leg.done = 0; leg.seen = where(k - 1); }
  }

  /* Metres to stop k. On its leg (within data.near_leg_m of the path), the way back to the
   * path plus the path left; off it, back to the last point of the path the walker followed,
   * then along it: walking away from the way only ever adds to the figure, never switches to
   * a shorter straight line. The followed point moves along the path by no more than the
   * walker moved since (× REACH_RATIO, plus REACH_M): a street the path takes again later
   * (a loop) does not count as having walked the loop. */
  var REACH_M = 60, REACH_RATIO = 1.5;
  function distanceTo(k, pos) {
    var leg = legTo(k);
    if (!leg || leg.path.length < 2) return haversine(pos, where(k));
    var reach = leg.done === null ? 0 : REACH_M + REACH_RATIO * haversine(leg.seen, pos);
    var near = leg.done === null ? onLeg(leg, pos) : onLeg(leg, pos, leg.done - reach, leg.done + reach);
    if (near.off <= data.near_leg_m || leg.done === null) {
      leg.done = near.done; // joining a leg from afar: from its nearest point
      leg.seen = pos;
      return near.off + (leg.length - near.done) * leg.scale;
    }
    return haversine(pos, pointAt(leg, leg.done)) + (leg.length - leg.done) * leg.scale;
  }

  /* Metres from pos to the nearest stop or leg: past data.far_m, the card only says how far. */
  function awayFromWalk(pos) {
    var m = Infinity;
    stops.forEach(function (stop, k) { m = Math.min(m, haversine(pos, where(k))); });
    legs.forEach(function (leg) {
      leg.path.forEach(function (p) { m = Math.min(m, haversine(pos, p)); });
      // The plane projection of onLeg is only good within a city.
      if (m < 10 * data.far_m && leg.path.length > 1) m = Math.min(m, onLeg(leg, pos).off);
    });
    return m;
  }
  function farText(m) {
    return m < 10000 ? distanceText(m) : number(Math.round(m / 1000), 0) + "\u00a0km";
  }

  /* The tour's wall clock, in minutes since midnight of the walk's day; null on any other day.
   * ?at=HH:MM (checked by the server) starts a preview clock at that time, then lets it run. */
  // From the server's table of the day's offsets (follow.day_clock), not Intl: a phone's
  // first time-zone format loads its zone data, a tenth of a second while the page loads.
  function wallMinute(ms) {
    var day = data.day;
    if (ms < day.start || ms >= day.end) return null;
    var offset = day.offsets[0][1];
    day.offsets.forEach(function (o) { if (ms >= o[0]) offset = o[1]; });
    return (ms + offset * 60000 - day.midnight) / 60000;
  }
  // The server renders the preview; offline, the stored page is the plain one, so the
  // script reads ?at= itself (with the server's rule: HH:MM, 00:00 to 23:59).
  var asked = new URLSearchParams(location.search).get("at") || "";
  var previewAt = /^(\d{1,2}):(\d{2})$/.exec(root.getAttribute("data-preview-at") || "") ||
    /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(asked);
  if (previewAt && !root.querySelector(".follow-preview")) {
    var banner = document.createElement("p");
    banner.className = "follow-preview";
    banner.textContent = fill(M.preview, { time: clockText(+previewAt[1], +previewAt[2]) });
    root.insertBefore(banner, root.querySelector(".follow-card"));
  }
  var loadedAt = Date.now();
  // The walk's own day (or its preview): the group's times hold; a solo walker's own
  // start ("Start now", live.js) is for the other days only.
  function walkDay() { return !!previewAt || wallMinute(Date.now()) !== null; }
  // A solo walker's own timetable, minutes to add to the planned times (null: the plan's).
  function paceShift() {
    var f = window.tourapp && window.tourapp.paceShift;
    return f ? f() : null;
  }
  function minuteText(minute) {
    var m = ((Math.floor(minute) % 1440) + 1440) % 1440;
    return clockText(Math.floor(m / 60), m % 60);
  }
  function arrivalText(stop) {
    var shift = paceShift();
    return shift === null ? fill(M.arrival, { time: stop.arrival_label }) :
      fill(M.arrival_yours, { time: minuteText(stop.arrival_min + shift) });
  }
  function endText(stop) { // a solo walker's own end, or the plan's
    var shift = paceShift();
    return fill(M.end_at, { time: shift === null ? stop.departure_label : minuteText(stop.departure_min + shift) });
  }
  function now() {
    // live.js's clock: the guide's walk clock, or a solo walker's own start ("Start now").
    var hooked = window.tourapp && window.tourapp.clock ? window.tourapp.clock() : null;
    if (typeof hooked === "number") return hooked;
    if (previewAt) return (+previewAt[1]) * 60 + (+previewAt[2]) + (Date.now() - loadedAt) / 60000;
    return wallMinute(Date.now());
  }

  /* State: `next` is the stop the card shows (n when the walk is over); `at` says the
   * group stands at stop next-1. `source` says who set it: "schedule" (the clock alone:
   * no verdict, it would always say on time), "position" or "manual" (the buttons,
   * kept until the position shows an arrival). `guess`: placed by a first position before
   * a live group was known, not since by an arrival or the walker's word (the group may
   * prove it wrong). */
  var state = { next: 0, at: false, source: "schedule" };
  var fix = null; // { pos: [lat, lon], accuracy: metres }

  /* A live group (live.js: {next, at}, as `state`; null: none) says the walk is happening
   * now, whatever the calendar says, and where it has got to: nobody has been past the
   * stop after the group's. Past it, the card is put where the group is (true). */
  function group() { var f = window.tourapp.group; return f && f(); }
  function past() {
    var g = group();
    if (!g || (state.at ? state.next - 1 : state.next) <= g.next) return false;
    state.next = g.next;
    state.at = g.at;
    return true;
  }

  function fromSchedule(t) {
    if (t === null) return;
    state.next = n;
    state.at = true;
    for (var k = 0; k < n; k++) {
      if (t < stops[k].arrival_min) { state.next = k; state.at = false; return; }
      if (t < stops[k].departure_min) { state.next = k + 1; return; }
    }
    state.at = false; // past the last visit's end
  }
  fromSchedule(now());

  /* Where the walker is, kept for this tab and version (sessionStorage): a reload, the
   * language switch or the phone discarding the tab in the background keep « I am at this
   * stop » and the stops passed, instead of starting again from the clock's plan. Not the
   * plan itself, nor after 12 hours (a rehearsal's tab opened again the next day). */
  var KEEP = "tourapp-follow-" + data.version, kept = null;
  function keep() {
    var where = state.source === "schedule" ? "" :
      JSON.stringify([state.next, state.at, state.source, !!state.guess]);
    if (where === kept) return;
    kept = where;
    try {
      if (where) sessionStorage.setItem(KEEP, Date.now() + " " + where);
      else sessionStorage.removeItem(KEEP);
    } catch (e) { /* storage refused: this page only */ }
  }
  try {
    var had = (sessionStorage.getItem(KEEP) || "").split(" "), was = had[1] && JSON.parse(had[1]);
    if (was && Date.now() - had[0] < 12 * 3600000 && was[0] >= 0 && was[0] <= n) {
      state = { next: was[0], at: was[1], source: was[2], guess: was[3] };
      kept = had[1];
      if (state.at) startLeg(state.next);
    }
  } catch (e) { /* nothing kept */ }

  function precise() { return fix !== null && fix.accuracy <= data.max_accuracy_m; }

  /* A new position: arrivals first, then which leg we are on. The card moves on through
   * the stops in their order only: once a position (or "I am here") has placed it, a fix
   * can only arrive at the next stop or back at the one just left, and the leg stays the
   * one to the next stop, whatever other leg passes nearby. Before that the clock's plan
   * bounds it: the group may be behind the plan, never at a later stop than planned. */
  function place() {
    if (!precise()) return;
    var radius = Math.max(data.arrival_radius_m, fix.accuracy);
    var placed = state.source !== "schedule";
    var lo = placed ? Math.max(0, state.next - 1) : 0;
    // (Before the start, the first leg: a group may set out early.)
    var hi = placed || now() !== null ? Math.min(Math.max(state.next, 1), n - 1) : n - 1;
    var g = !placed && group();
    if (g) hi = Math.min(hi, g.next);
    var closest = -1, closestM = Infinity;
    for (var k = lo; k <= hi; k++) {
      var d = haversine(fix.pos, where(k));
      if (d <= radius && d < closestM) { closest = k; closestM = d; }
    }
    if (closest >= 0) {
      if (!(state.at && state.next === closest + 1)) startLeg(closest + 1);
      state.guess = !placed && !g; // an arrival: the walker's own, the group's reach known
      state.next = closest + 1;
      state.at = true;
      state.source = "position";
      return;
    }
    if (state.at && state.next > 0 &&
        haversine(fix.pos, where(state.next - 1)) > radius + LEAVE_MARGIN_M) {
      state.at = false;
    }
    if (placed) return;
    state.guess = !g;
    // Placed by the clock only: on which of the legs it allows? The planned one first.
    var planned = state.next < n ? legTo(state.next) : null;
    if (planned && onLeg(planned, fix.pos).off <= data.near_leg_m) {
      state.source = "position";
      state.at = false;
      return;
    }
    var best = -1, bestOff = data.near_leg_m;
    for (var i = 1; i <= hi; i++) {
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
      // The last visit's end is the walk's: staying on after it is not being late.
      if (state.next >= n && t > s.departure_min) return null;
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

  /* Where the group is: at a stop (from its position or the buttons), or planned there
   * by the clock alone, which never claims to know where anyone is. */
  function hereText(stop) {
    if (state.source === "schedule") return fill(M.plan_at, { name: stop.name, time: stop.departure_label });
    // Reached by the position: « You have arrived at … », as said aloud to screen readers.
    var text = state.source === "position" ? M.announce_arrived.replace(/\.$/, "") : M.at;
    return fill(text, { name: stop.name }) + " · " + fill(M.departure, { time: stop.departure_label });
  }

  /* ‹ › browse the stops: `view` is the stop the card shows instead of the walker's next
   * one (null: the walker's own). Browsing never changes where the app thinks one is;
   * « I am at this stop » is the act that does, shown with the browsed stop. */
  var view = null;
  function ownIndex() { // the stop the card shows when not browsing (n: the end)
    return state.next >= n && state.at ? n - 1 : state.next;
  }
  function browseTo(i) {
    view = i === ownIndex() || i < 0 || i >= n ? null : i;
    render();
  }

  function renderView(stop) {
    show(ui.here, "");
    ui.kind.textContent = ""; // the count says which stop
    ui.count.textContent = fill(M.stop_of, { number: view + 1, count: n });
    ui.name.textContent = stop.name;
    ui.distance.textContent = "";
    ui.time.textContent = view === 0 && stop.arrival_min === stop.departure_min ?
      fill(M.departure, { time: stop.departure_label }) : arrivalText(stop);
    show(ui.verdict, "");
    ui.verdict.className = "follow-verdict";
  }

  var shown = null;
  function render() {
    var t = now();
    var k = state.next;
    var atLast = k >= n && state.at; // the last visit is a visit: the end comes after it
    var finished = k >= n && !state.at;
    var away = fix ? awayFromWalk(fix.pos) : 0;
    var far = away > data.far_m;
    var metresLeft = k < n && fix && !far ? distanceTo(k, fix.pos) : null;
    var shownStop = atLast ? stops[n - 1] : stops[k];
    root.classList.toggle("is-walk-day", walkDay());
    ui.browse.hidden = view === null;
    ui.iam.hidden = view === null || (state.at && view === k - 1 && state.source !== "schedule");
    if (view !== null) {
      renderView(stops[view]);
    } else {
      show(ui.here, state.at && k > 0 ? hereText(stops[k - 1]) : "");
      ui.kind.textContent = finished ? "" : atLast ? M.last : M.next;
      ui.count.textContent = finished ? "" : fill(M.stop_of, { number: atLast ? n : k + 1, count: n });
      ui.name.textContent = finished ? M.finished : shownStop.name;
      ui.distance.textContent = far ? fill(M.far, { distance: farText(away) }) :
        metresLeft === null ? "" :
        fill(M.walk, { distance: distanceText(metresLeft), time: counted(M.minutes, walkMin(metresLeft)) });
      ui.time.textContent = finished ? "" : atLast ? endText(shownStop) : arrivalText(shownStop);
      var v = far ? null : verdict(t, metresLeft);
      show(ui.verdict, v && v.text);
      ui.verdict.className = "follow-verdict" + (v ? " is-" + v.kind : "");
    }
    root.setAttribute("data-next", k < n ? stops[k].id : "");
    root.setAttribute("data-at", state.at && k > 0 ? stops[k - 1].id : "");
    root.classList.toggle("is-far", far && view === null);
    var current = view === null ? ownIndex() : view;
    ui.prev.disabled = current <= 0;
    ui.next.disabled = !(current + 1 < n || (view !== null && current + 1 === ownIndex()));
    mark();
    var key = k + (state.at ? "@" : "");
    keep();
    if (shown !== null && key !== shown) announce();
    shown = key;
    // Arrived by the position: extras.js (site.js fetches it) gives the cue.
    if (root.classList.toggle("is-arrived", state.at && state.source === "position")) window.tourapp.extras();
    root.dispatchEvent(new Event("follow:render")); // live.js redraws its part of the card
  }

  function announce() {
    var k = state.next, parts = [];
    if (state.at && k > 0) parts.push(fill(M.announce_arrived, { name: stops[k - 1].name }));
    if (k < n) parts.push(fill(M.announce_next, { name: stops[k].name }));
    else if (!state.at) parts.push(M.finished);
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
    markMap();
  }

  /* The map, as the itinerary: each stop marker's class (a shape and a tick in follow.css,
   * not colour alone) and label; the next leg stands out, the legs walked are greyed. */
  function markMap() {
    var markers = (window.tourapp && window.tourapp.markers) || [];
    markers.forEach(function (m) {
      var i = stopIndex[m.texts.id], node = m.marker.getElement();
      if (i === undefined || !node) return;
      var status = i < state.next - 1 || (i === state.next - 1 && !state.at) ? "done" :
        i === state.next - 1 ? "current" : i === state.next ? "next" : "";
      ["done", "current", "next"].forEach(function (c) { node.classList.toggle("is-" + c, status === c); });
      node.setAttribute("aria-label", m.texts.label + (status ? " " + M["status_" + status] : ""));
    });
    legs.forEach(function (leg, i) { // leg i leads to stop i + 1; follow.css draws the classes
      var line = drawn[i], node = line && line.getElement && line.getElement();
      if (!node) return;
      var kind = i + 1 < state.next ? "done" : i + 1 === state.next ? "next" : "";
      node.classList.toggle("leg-done", kind === "done");
      node.classList.toggle("leg-next", kind === "next");
      if (kind === "next") line.bringToFront();
    });
  }

  ui.prev.addEventListener("click", function () {
    browseTo((view === null ? ownIndex() : view) - 1);
  });
  ui.next.addEventListener("click", function () {
    browseTo((view === null ? ownIndex() : view) + 1);
  });
  ui.back.addEventListener("click", function () {
    browseTo(ownIndex());
    (ui.prev.disabled ? ui.next : ui.prev).focus(); // the pressed button is gone
  });
  // "I am at this stop": the walker says so; the leg to the following stop starts here.
  ui.iam.addEventListener("click", function () {
    var i = view;
    if (i === null) return;
    state.next = i + 1;
    state.at = true;
    state.source = "manual";
    state.guess = false;
    startLeg(i + 1);
    view = null;
    render();
    (ui.prev.disabled ? ui.next : ui.prev).focus(); // the pressed button is gone
  });

  /* Position: a "locate me" control on the map, watchPosition, a dot and its accuracy. */
  var map = window.tourapp && window.tourapp.map;
  var watch = null, dot = null, circle = null, button = null, recentre = null, centred = false;
  // The dot has its own pane above the stop markers (markers 600, tooltips 650).
  if (map) {
    map.createPane("followPosition");
    map.on("tourapp:markers", markMap); // the markers come a few tasks after the map (tour-map.js)
  }

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
          pane: "followPosition",
          color: "#ffffff", weight: 3, fillColor: "#d1004b", fillOpacity: 1 }).addTo(map);
      } else {
        circle.setLatLng(ll).setRadius(fix.accuracy);
        dot.setLatLng(ll);
      }
      // The map stays on the walk when the person is far from it, unless they ask. Once the
      // map has its view: it comes a few frames after the page (tour-map.js).
      if (!centred) map.whenReady(function () {
        if (fix && awayFromWalk(fix.pos) <= data.far_m && !map.getBounds().contains(fix.pos)) map.panTo(fix.pos);
      });
      centred = true;
      if (recentre) recentre.hidden = false;
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
    if (recentre) recentre.hidden = true;
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
        // Back to my position after zooming or panning away (shown once there is one).
        recentre = L.DomUtil.create("button", "follow-recentre", box);
        recentre.type = "button";
        recentre.hidden = true;
        recentre.setAttribute("aria-label", M.recentre);
        recentre.setAttribute("title", M.recentre);
        L.DomEvent.on(recentre, "click", function () {
          if (!fix) return;
          // The position and the next stop both in view: the way on, not just the dot.
          var k = view === null ? state.next : view;
          if (k < n && awayFromWalk(fix.pos) <= data.far_m) {
            map.fitBounds(L.latLngBounds([fix.pos, where(k)]), { padding: [48, 48], maxZoom: 17 });
          } else {
            map.setView(fix.pos, Math.max(map.getZoom(), 16));
          }
        });
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

  /* While the card sticks to the top of the screen it is compact (next stop, distance,
   * verdict); the details button shows the rest. Its height is what the page keeps clear
   * above anything that takes the focus (scroll-padding-top in follow.css). */
  var stuck = false, flowHeight = 0;
  function setOpen(open) {
    root.classList.toggle("is-open", open);
    ui.more.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function checkStuck() {
    var now = window.scrollY > 0 && root.getBoundingClientRect().top < 1;
    if (now && !stuck) flowHeight = root.offsetHeight; // its full height, about to be compact
    if (now !== stuck) {
      stuck = now;
      root.classList.toggle("is-stuck", stuck);
      if (!stuck) setOpen(false);
    }
    // Stuck and compact, the card keeps its full height in the page's flow (a bottom margin):
    // otherwise what follows moves up, the browser's scroll anchoring scrolls the page to
    // keep it still, the card comes unstuck and grows back, and so on, every frame.
    root.style.marginBottom = stuck ? Math.max(0, flowHeight - root.offsetHeight) + "px" : "";
    // Measured while stuck only: the browser needs it before it scrolls the card into sticking.
    if (stuck) document.documentElement.style.setProperty("--follow-h", root.offsetHeight + "px");
  }
  ui.more.setAttribute("aria-label", M.details);
  ui.more.setAttribute("title", M.details);
  ui.more.addEventListener("click", function () {
    setOpen(!root.classList.contains("is-open"));
    checkStuck();
  });
  window.addEventListener("scroll", checkStuck, { passive: true });
  window.addEventListener("resize", checkStuck);
  // With the next frame's layout, not a layout of its own now (reading scrollY forces one).
  requestAnimationFrame(checkStuck);

  function tick() {
    // A first position placed the card before the live group was known (live.js comes a
    // moment after the page, more on a slow network), past the group's reach: a guess the
    // group proves wrong (a street of leg 3 while the group is at stop 2). Placed again.
    if (state.guess && past()) state.source = "schedule";
    if (state.source === "schedule") {
      fromSchedule(now());
      past(); // a live group behind the plan (there from live.js, after the first call)
      place();
    }
    render();
  }
  // The card's first render in a task after this set-up: two short tasks on a slow phone.
  setTimeout(function () {
    render();
    root.setAttribute("data-ready", ""); // the card is alive (the tests wait for it)
  }, 0);
  setInterval(tick, 20000); // the clock moves even when the position does not
  // For live.js: the phone's position stays in this page, live.js only measures from it.
  window.tourapp = window.tourapp || {};
  window.tourapp.follow = {
    position: function () { return precise() ? fix.pos.slice() : null; },
    distance: haversine, // metres between two [lat, lon], as the card measures them
    distanceText: distanceText, // and written as the card writes them
    clockText: clockText, // a time of day (hour, minute) as the server writes it
    walkDay: walkDay, // the walk's own day: no solo timetable then
    refresh: tick,
    // A new version taken in place (swap.js): the walker stays at the same stop, by its id.
    reload: function (d) {
      var id = state.next < n ? stops[state.next].id : "";
      use(d);
      KEEP = "tourapp-follow-" + d.version; // kept under the new version at the next render
      kept = null;
      var k = id ? stopIndex[id] : n;
      view = null;
      if (state.source === "schedule" || k === undefined) state = { next: 0, at: false, source: "schedule" };
      else state.next = k;
      tick();
    }
  };
  }
})();
