/* tourapp guide mode: report where the group is, share the guide's position, a message.
 * The token comes from the link's fragment (#token=…), which browsers never send to a
 * server; it is kept in this phone's localStorage (not a cookie: nothing a cross-site
 * request could carry) and sent only in the Authorization header.
 *
 * Offline: the page itself is stored by the service worker; every report is kept in
 * localStorage with the time of the tap and an id of its own until the server has it
 * (network errors and 5xx are retried, however long the outage; the server keeps a
 * tap's time on the walk's day and counts a report sent twice once). */
(function () {
  "use strict";
  var root = document.getElementById("guide");
  if (!root) return;
  var T = JSON.parse(root.getAttribute("data-texts"));
  var stops = JSON.parse(root.getAttribute("data-stops"));
  var api = root.getAttribute("data-api");
  var stateUrl = root.getAttribute("data-state");
  var lang = root.getAttribute("data-lang");
  var common = window.tourapp.common, fill = common.fill, metres = common.metres; // common.js
  var plural = new Intl.PluralRules(lang);
  function counted(forms, num) { return common.counted(forms, num, plural); }
  // A moment (ms) as a time of day on the walk's clock (its zone from the stops file, in
  // data-timezone), whatever zone this phone is set to: the times participants read. Any day
  // (a link's end may be tomorrow), so Intl rather than the participants' one-day table; made
  // on first use, once the link is checked, not while the page loads.
  var zone = root.getAttribute("data-timezone"), wallClock = null;
  function wall(ms) { // [hour, minute] of the moment ms on the walk's clock
    var d = new Date(ms), h = d.getHours(), m = d.getMinutes(); // a browser without the zone: the phone's
    try {
      wallClock = wallClock || new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", hour: "2-digit", minute: "2-digit" });
      var parts = {};
      wallClock.formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
      h = +parts.hour % 24;
      m = +parts.minute;
    } catch (e) { /* an unknown zone (an old browser): the phone's clock */ }
    return [h, m];
  }
  function timeText(ms) {
    var hm = wall(ms);
    return common.clockText(lang, hm[0], hm[1]); // « 13 h 48 », "1:48 PM", as every time of the app
  }
  // The last moment that read hour:minute on the walk's clock (typed in the "The group left
  // at" box): earlier today, or last evening when typed just after midnight; a time still
  // to come today (within 12 hours): now.
  function lastAt(hour, minute) {
    var now = Date.now(), hm = wall(now);
    var ago = (hm[0] * 60 + hm[1]) - (hour * 60 + minute); // minutes
    if (ago < 0 && ago > -720) return now;
    if (ago < 0) ago += 1440;
    return now - now % 60000 - ago * 60000;
  }
  var KEY = "tourapp-guide-token", QUEUE_KEY = "tourapp-guide-queue";
  var SHARE_KEY = "tourapp-guide-sharing", WHO_KEY = "tourapp-guide-who", STATE_KEY = "tourapp-guide-state";
  var SEND_EVERY_MS = 10000, SEND_EVERY_M = 20, MIN_GAP_MS = 1100; // server: 1 request/s
  var KEEP_ALIVE_MS = 120000; // standing still at a visit: the group stays on the map
  var RETRY_MS = 5000, ON_TIME_MIN = 2, SILENT_MIN = 5;
  var ARRIVAL_M = 40, LEAVE_MARGIN_M = 15;

  function $(s) { return root.querySelector(s); }
  var ui = {
    link: $(".guide-link"), state: $(".guide-state"), delay: $(".guide-delay"),
    current: $(".guide-current"), actions: $(".guide-actions"),
    proposal: $(".guide-proposal"), main: $(".guide-main"), list: $(".guide-stops"),
    share: $(".guide-share"), position: $(".guide-position"), text: $(".guide-text"),
    count: $(".guide-count"), send: $(".guide-send"), clear: $(".guide-clear"),
    feedback: $(".guide-feedback"), pending: $(".guide-pending"), undo: $(".guide-undo"),
    end: $(".guide-end"), departure: $(".guide-departure"), setDeparture: $(".guide-set-departure"),
    visit: $(".guide-visit"), setVisit: $(".guide-set-visit"), timetable: $(".guide-timetable")
  };
  function feedback(text) { ui.feedback.textContent = text || ""; }
  function load(key) { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function save(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: this visit only */ }
  }

  var fragment = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  var token = fragment ? decodeURIComponent(fragment[1]) : null;
  try {
    if (token) localStorage.setItem(KEY, token);
    else token = localStorage.getItem(KEY);
  } catch (e) { /* private mode: the fragment alone */ }
  if (fragment && history.replaceState) {
    // Out of the address bar (screenshots, shared screens); kept on this phone.
    history.replaceState(null, "", location.pathname + location.search);
  }

  /* The queue, kept on the phone: one request at a time, at least MIN_GAP_MS apart;
   * positions replace each other, every other report goes out, in order, once. */
  var queue = load(QUEUE_KEY) || [], inflight = null, lastSent = 0, timer = null;
  function newId() {
    var bytes = new Uint8Array(9);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function keep() { save(QUEUE_KEY, queue); showPending(); }
  function enqueue(body) {
    body.id = body.id || newId();
    if (body.t === undefined && body.type !== "clock") body.t = Date.now() / 1000;
    if (body.type === "position") queue = queue.filter(function (b) { return b.type !== "position"; });
    queue.push(body);
    keep();
    pump();
  }
  function showPending() {
    var n = queue.filter(function (b) { return b.type !== "position"; }).length;
    ui.pending.hidden = !n;
    ui.pending.textContent = n ? counted(T.pending, n) : "";
  }
  function later(ms) { clearTimeout(timer); timer = setTimeout(pump, ms); }
  function pump() {
    if (inflight || !queue.length || !token) return;
    var wait = lastSent + MIN_GAP_MS - Date.now();
    if (wait > 0) { later(wait); return; }
    var body = inflight = queue[0];
    lastSent = Date.now();
    fetch(api, {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      inflight = null;
      if (response.status === 429) { later(1000); return; }
      if (response.status >= 500) { feedback(T.server_error); later(RETRY_MS); return; }
      if (response.status === 401 || response.status === 403) { invalid(); return; } // kept
      done(body);
      if (response.ok) {
        if (/^(arrive|leave|end)$/.test(body.type)) acked.push(body);
        else if (body.type === "undo") acked.pop(); // the server took back this phone's last
        if (body.type !== "position") feedback(body.type === "undo" ? T.undone : body.type === "end" ? T.ended : T.sent);
        refresh();
        pump();
        return;
      }
      // Refused as a whole (a bound): said, dropped, and the queue goes on.
      return response.json().then(function (j) {
        feedback(fill(T.refused, { reason: j.error || response.status }));
      }, function () { feedback(fill(T.refused, { reason: response.status })); }).then(pump);
    }, function () {
      inflight = null;
      feedback(T.offline);
      later(RETRY_MS);
    });
  }
  function done(body) {
    queue = queue.filter(function (b) { return b.id !== body.id; });
    keep();
  }
  window.addEventListener("online", function () { later(0); });

  /* Where the group is, as the server says (every guide phone agrees), with this phone's
   * reports still on their way applied on top. */
  var group = load(STATE_KEY) || { where: "planned", stop: null };
  /* Reports the server has taken but no state fetched since shows yet: still applied, or
   * the button would offer the report just sent again until the state comes back. */
  var acked = [];
  function index(id) {
    for (var i = 0; i < stops.length; i++) if (stops[i].id === id) return i;
    return -1;
  }
  function refresh() {
    var included = acked.slice(); // taken before this request: its answer shows them
    return fetch(stateUrl, { cache: "no-cache", credentials: "omit" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      if (s) {
        group = s;
        acked = acked.filter(function (b) { return included.indexOf(b) < 0; });
        save(STATE_KEY, s);
        render();
      }
    }, function () {});
  }
  function shown() {
    // This phone's reports not yet sent (or not yet in a state fetched) say where the group is now.
    var g = group;
    acked.concat(queue).forEach(function (b) {
      var k = index(b.stop);
      if (b.type === "arrive") g = { where: k + 1 === stops.length ? "finished" : "at", stop: b.stop, started: true };
      else if (b.type === "leave") g = k + 1 < stops.length ? { where: "walking", stop: stops[k + 1].id, started: true } : { where: "finished" };
      else if (b.type === "end") g = { where: "finished", stop: g.stop };
    });
    return g;
  }

  function label(k) { return { number: stops[k].order, name: stops[k].name }; }
  /* The one-tap action: arrived when walking (or before the start), leaving when at a stop. */
  function nextAction() {
    var g = shown(), i = index(g.stop);
    if (g.where === "at") return i + 1 < stops.length ? { type: "leave", k: i } : null;
    if (g.where === "walking") return { type: "arrive", k: i };
    if (g.where === "finished") return null;
    return { type: "arrive", k: 0 };
  }
  function actionText(a) {
    return a.type === "arrive" ? fill(T.arrive, label(a.k)) : fill(T.leave, label(a.k + 1));
  }
  function report(a) {
    enqueue({ type: a.type, stop: stops[a.k].id });
    render();
  }

  function verdict(delay) {
    if (delay === null || delay === undefined) return "";
    if (Math.abs(delay) <= ON_TIME_MIN) return T.on_time;
    return delay > 0 ? counted(T.late, delay) : counted(T.early, -delay);
  }
  function render() {
    var g = shown(), i = index(g.stop);
    var first = group.stops && group.stops[0];
    ui.state.textContent = g.where === "at" && i === 0 && g.started === false && first ?
      fill(T.state_waiting, { number: stops[0].order, name: stops[0].name, time: first.planned_departure[lang] }) :
      g.where === "at" ? fill(T.state_at, label(i)) :
      g.where === "walking" ? fill(T.state_walking, label(i)) :
      g.where === "finished" ? T.state_finished : T.state_planned;
    // The group's delay and the timetable as participants read them (the server's state).
    var parts = [];
    if (g === group && group.where !== "finished") parts.push(verdict(group.delay_min));
    if (group.contact) {
      var age = Math.floor((Date.now() / 1000 - group.contact) / 60);
      if (age >= SILENT_MIN) parts.push(fill(T.silent, { time: fill(T.ago, { time: counted(T.minutes, age) }) }));
    }
    ui.delay.textContent = parts.filter(Boolean).join(" · ");
    var msg = group.message;
    ui.current.hidden = !msg;
    ui.current.textContent = msg ? fill(T.current_message, { text: msg.text }) : "";
    ui.timetable.textContent = "";
    (group.stops || []).forEach(function (st) {
      var k = index(st.id);
      if (k < 0) return;
      var li = document.createElement("li");
      li.textContent = fill(st.arrived ? T.planned_actual : T.planned_estimated, {
        number: stops[k].order, name: stops[k].name, planned: st.planned_arrival[lang],
        estimated: st.arrival[lang], actual: st.arrival[lang] });
      ui.timetable.appendChild(li);
    });
    var a = nextAction();
    ui.main.hidden = !a;
    if (a) ui.main.textContent = actionText(a);
    propose();
    drawn();
  }

  /* The map (guide-map.js, fetched once the page has loaded) draws what this says: the
   * last stop reached, whether the group is there, the group's position, this phone's. */
  function mapState() {
    var g = shown(), i = index(g.stop);
    var reached = g.where === "at" ? i : g.where === "walking" ? i - 1 :
      g.where === "finished" ? stops.length - 1 : -1;
    return { where: g.where, at: g.where === "at", reached: reached,
      group: group.position || null, fix: fix ? { lat: fix.pos[0], lon: fix.pos[1], acc: fix.acc } : null };
  }
  function drawn() { root.dispatchEvent(new Event("guide:render")); }
  window.tourapp.guide = { stops: stops, texts: T, state: mapState };
  function loadMap() {
    var box = document.getElementById("guide-map");
    if (!box || window.L) return;
    // Leaflet's styles first: a map laid out without them is drawn wrong.
    var style = document.createElement("link"), script = document.createElement("script");
    style.rel = "stylesheet";
    style.href = box.getAttribute("data-style");
    script.src = box.getAttribute("data-script");
    style.onload = style.onerror = function () { document.head.appendChild(script); };
    document.head.appendChild(style);
  }

  function buildList() {
    stops.forEach(function (stop, k) {
      var li = document.createElement("li");
      var at = document.createElement("button");
      at.type = "button";
      at.className = "guide-at";
      at.setAttribute("data-stop", stop.id);
      at.textContent = fill(T.arrive, label(k));
      at.addEventListener("click", function () { report({ type: "arrive", k: k }); });
      li.appendChild(at);
      if (k + 1 < stops.length) {
        var go = document.createElement("button");
        go.type = "button";
        go.className = "guide-leave";
        go.setAttribute("data-stop", stop.id);
        go.textContent = fill(T.leave, label(k + 1));
        go.addEventListener("click", function () { report({ type: "leave", k: k }); });
        li.appendChild(go);
      }
      ui.list.appendChild(li);
    });
  }

  /* Position: watchPosition, sent every 10 s or every 20 m, whichever comes first, and
   * again every 2 minutes while standing still (the group stays on the map). */
  var watch = null, fix = null, sentFix = null, sentAt = 0, keepAlive = null;
  function sendFix(now) {
    sentFix = fix.pos;
    sentAt = now;
    enqueue({ type: "position", lat: fix.pos[0], lon: fix.pos[1],
      accuracy: Math.max(1, fix.acc), t: now / 1000 });
    ui.position.textContent = fill(T.sent_position, {
      time: timeText(now), // « 13 h 21 », as every time of the app
      accuracy: Math.round(fix.acc)
    });
  }
  function onPosition(p) {
    fix = { pos: [p.coords.latitude, p.coords.longitude], acc: p.coords.accuracy, t: p.timestamp };
    var now = Date.now();
    if (!sentFix || now - sentAt >= SEND_EVERY_MS || metres(sentFix, fix.pos) >= SEND_EVERY_M) sendFix(now);
    propose();
    drawn();
  }
  function startSharing() {
    if (!("geolocation" in navigator)) { feedback(T.no_position); return; }
    watch = navigator.geolocation.watchPosition(onPosition, function () { feedback(T.no_position); },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    keepAlive = setInterval(function () {
      if (fix && Date.now() - sentAt >= KEEP_ALIVE_MS) sendFix(Date.now());
    }, 15000);
    save(SHARE_KEY, true); // a reload or a reopened page shares again
    ui.share.textContent = T.stop_sharing;
    ui.share.setAttribute("aria-pressed", "true");
  }
  function stopSharing() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    clearInterval(keepAlive);
    watch = null;
    fix = sentFix = null;
    save(SHARE_KEY, null);
    enqueue({ type: "stop" });
    ui.share.textContent = T.share;
    ui.share.setAttribute("aria-pressed", "false");
    ui.position.textContent = "";
    propose();
    drawn();
  }

  /* Proposed by itself: arriving at a stop ahead of the group's, or leaving the one it is
   * at; never a stop behind it (right after « we are leaving », the stop just left). */
  var proposal = null;
  function propose() {
    proposal = null;
    var g = shown();
    if (fix && fix.acc <= 100 && g.where !== "finished") {
      var radius = Math.max(ARRIVAL_M, fix.acc), i = index(g.stop);
      var from = g.where === "at" ? i + 1 : g.where === "walking" ? i : 0;
      for (var k = Math.max(0, from); k < stops.length; k++) {
        if (metres(fix.pos, [stops[k].lat, stops[k].lon]) <= radius) {
          proposal = { type: "arrive", k: k, text: fill(T.propose_arrive, { number: stops[k].order }) };
          break;
        }
      }
      if (!proposal && g.where === "at" && i + 1 < stops.length &&
          metres(fix.pos, [stops[i].lat, stops[i].lon]) > radius + LEAVE_MARGIN_M) {
        proposal = { type: "leave", k: i, text: fill(T.propose_leave, { number: stops[i].order }) };
      }
    }
    ui.proposal.hidden = !proposal;
    ui.proposal.textContent = "";
    if (proposal) {
      ui.proposal.appendChild(document.createTextNode(proposal.text + " "));
      var yes = document.createElement("button");
      yes.type = "button";
      yes.className = "guide-accept";
      yes.textContent = actionText(proposal);
      var chosen = proposal;
      yes.addEventListener("click", function () { report(chosen); });
      ui.proposal.appendChild(yes);
    }
  }

  function invalid() {
    ui.link.textContent = T.invalid;
    ui.actions.hidden = true;
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
  }

  var started = false;
  function start(who) {
    if (started) return;
    started = true;
    var until = timeText(who.expires * 1000);
    ui.link.textContent = fill(T.valid, { name: who.name, time: until });
    ui.actions.hidden = false;
    buildList();
    ui.main.addEventListener("click", function () { var a = nextAction(); if (a) report(a); });
    ui.share.addEventListener("click", function () { if (watch === null) startSharing(); else stopSharing(); });
    ui.text.addEventListener("input", function () { ui.count.textContent = ui.text.value.length + " / 280"; });
    ui.send.addEventListener("click", function () { enqueue({ type: "message", text: ui.text.value }); });
    ui.clear.addEventListener("click", function () { ui.text.value = ""; enqueue({ type: "message", text: "" }); });
    ui.undo.addEventListener("click", function () {
      // A report still on this phone is simply not sent; else the server takes it back.
      for (var q = queue.length - 1; q >= 0; q--) {
        if (queue[q] !== inflight && /^(arrive|leave|end)$/.test(queue[q].type)) {
          queue.splice(q, 1);
          keep();
          feedback(T.undone);
          render();
          return;
        }
      }
      enqueue({ type: "undo" });
    });
    ui.end.addEventListener("click", function () { enqueue({ type: "end" }); render(); });
    ui.setDeparture.addEventListener("click", function () {
      var m = /^(\d{2}):(\d{2})$/.exec(ui.departure.value), g = shown(), k = index(g.stop);
      if (!m || g.where !== "at" || k < 0) return;
      // The time typed is the walk's, as every time on the page, whatever the phone's zone.
      enqueue({ type: "leave", stop: stops[k].id, t: lastAt(+m[1], +m[2]) / 1000 });
      render();
    });
    ui.setVisit.addEventListener("click", function () {
      var g = shown(), k = index(g.stop), minutes = parseInt(ui.visit.value, 10);
      if (isNaN(minutes) || k < 0) return;
      enqueue({ type: "visit", stop: stops[k].id, minutes: minutes });
    });
    // A rehearsal (or a test) sets the walk's clock: /fr/guide?at=13:48&speed=10 (once per
    // tab: a reload does not set it again).
    var at = /[?&]at=(\d{1,2}:\d{2})/.exec(location.search);
    var speed = /[?&]speed=(\d+(?:\.\d+)?)/.exec(location.search);
    var asked = at ? at[1] + "|" + (speed ? speed[1] : 1) : null, once = null;
    try { once = sessionStorage.getItem("tourapp-guide-clock"); sessionStorage.setItem("tourapp-guide-clock", asked); } catch (e) { /* private mode */ }
    if (at && once !== asked) enqueue({ type: "clock", at: at[1], speed: speed ? Number(speed[1]) : 1, t: Date.now() / 1000 });
    if (load(SHARE_KEY)) startSharing();
    showPending();
    render();
    refresh();
    pump();
    setInterval(refresh, 10000);
    setInterval(render, 30000); // the silence's age moves without news
    // The map once the page is usable: its buttons never wait for Leaflet.
    if (document.readyState === "complete") loadMap();
    else window.addEventListener("load", loadMap);
  }

  if (!token) { invalid(); return; }
  var known = load(WHO_KEY);
  known = known && known.token === token ? known.who : null;
  fetch(api, { headers: { "Authorization": "Bearer " + token }, credentials: "omit", cache: "no-store" })
    .then(function (r) {
      if (r.ok) return r.json().then(function (who) { save(WHO_KEY, { token: token, who: who }); start(who); });
      if (r.status === 401 || r.status === 403) { save(WHO_KEY, null); invalid(); return; }
      if (known) start(known); // a server error: the link checked last time
    }, function () {
      // Offline: the link as checked last time on this phone, and the reports wait.
      feedback(T.offline);
      if (known && known.expires * 1000 > Date.now()) start(known);
    });
})();
