/* tourapp guide mode: report where the group is, share the guide's position, a message.
 * The token comes from the link's fragment (#token=…), which browsers never send to a
 * server; it is kept in this phone's localStorage (not a cookie: nothing a cross-site
 * request could carry) and sent only in the Authorization header. */
(function () {
  "use strict";
  var root = document.getElementById("guide");
  if (!root) return;
  var T = JSON.parse(root.getAttribute("data-texts"));
  var stops = JSON.parse(root.getAttribute("data-stops"));
  var api = root.getAttribute("data-api");
  var stateUrl = root.getAttribute("data-state");
  var lang = root.getAttribute("data-lang");
  var KEY = "tourapp-guide-token";
  var SEND_EVERY_MS = 10000, SEND_EVERY_M = 20, MIN_GAP_MS = 1100; // server: 1 request/s
  var ARRIVAL_M = 40, LEAVE_MARGIN_M = 15;

  function $(s) { return root.querySelector(s); }
  var ui = {
    link: $(".guide-link"), state: $(".guide-state"), actions: $(".guide-actions"),
    proposal: $(".guide-proposal"), main: $(".guide-main"), list: $(".guide-stops"),
    share: $(".guide-share"), position: $(".guide-position"), text: $(".guide-text"),
    count: $(".guide-count"), send: $(".guide-send"), clear: $(".guide-clear"),
    feedback: $(".guide-feedback")
  };
  var common = window.tourapp.common, fill = common.fill; // common.js
  function feedback(text) { ui.feedback.textContent = text || ""; }

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

  /* One request at a time, at least MIN_GAP_MS apart; positions replace each other,
   * stop reports and messages all go out, in order, whatever the network does.
   * The request in flight is out of the queue: a newer position never displaces it. */
  var queue = [], inflight = null, lastSent = 0;
  function enqueue(body) {
    if (body.type === "position") queue = queue.filter(function (b) { return b.type !== "position"; });
    queue.push(body);
    pump();
  }
  function retry(body) {
    // Back at the head, unless a newer position has replaced it meanwhile.
    if (body.type === "position" && queue.some(function (b) { return b.type === "position"; })) return;
    queue.unshift(body);
  }
  function pump() {
    if (inflight || !queue.length) return;
    var wait = lastSent + MIN_GAP_MS - Date.now();
    if (wait > 0) { setTimeout(pump, wait); return; }
    var body = inflight = queue.shift();
    lastSent = Date.now();
    fetch(api, {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      inflight = null;
      if (response.status === 429) { retry(body); setTimeout(pump, 1000); return; }
      if (response.ok) {
        if (body.type !== "position") feedback(T.sent);
        refresh();
        pump();
        return;
      }
      // Refused (a bad link, a bound): said, dropped, and the queue goes on.
      return response.json().then(function (j) {
        feedback(fill(T.refused, { reason: j.error || response.status }));
        if (response.status === 401 || response.status === 403) invalid();
      }, function () { feedback(fill(T.refused, { reason: response.status })); }).then(pump);
    }, function () {
      inflight = null;
      retry(body);
      feedback(T.offline);
      setTimeout(pump, 5000);
    });
  }
  function reporting() {
    var report = function (b) { return b.type === "arrive" || b.type === "leave"; };
    return (inflight && report(inflight)) || queue.some(report);
  }

  /* Where the group is, as the server says (every guide phone agrees). */
  var group = { where: "planned", stop: null };
  function index(id) {
    for (var i = 0; i < stops.length; i++) if (stops[i].id === id) return i;
    return -1;
  }
  function refresh() {
    return fetch(stateUrl, { cache: "no-cache", credentials: "omit" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      // While a report is on its way, the page's own idea of the group is the newer one.
      if (s && !reporting()) { group = s; render(); }
    }, function () {});
  }

  function label(k) { return { number: stops[k].order, name: stops[k].name }; }
  /* The one-tap action: arrived when walking (or before the start), leaving when at a stop. */
  function nextAction() {
    var i = index(group.stop);
    if (group.where === "at") return i + 1 < stops.length ? { type: "leave", k: i } : null;
    if (group.where === "walking") return { type: "arrive", k: i };
    if (group.where === "finished") return null;
    return { type: "arrive", k: 0 };
  }
  function actionText(a) {
    return a.type === "arrive" ? fill(T.arrive, label(a.k)) : fill(T.leave, label(a.k + 1));
  }
  function report(a) {
    enqueue({ type: a.type, stop: stops[a.k].id, t: Date.now() / 1000 });
    // Shown at once; the server's state follows.
    group = a.type === "arrive" ? { where: "at", stop: stops[a.k].id } :
      a.k + 1 < stops.length ? { where: "walking", stop: stops[a.k + 1].id } : { where: "finished" };
    render();
  }

  function render() {
    var i = index(group.stop);
    ui.state.textContent = group.where === "at" ? fill(T.state_at, label(i)) :
      group.where === "walking" ? fill(T.state_walking, label(i)) :
      group.where === "finished" ? T.state_finished : T.state_planned;
    var a = nextAction();
    ui.main.hidden = !a;
    if (a) ui.main.textContent = actionText(a);
    propose();
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

  /* Position: watchPosition, sent every 10 s or every 20 m, whichever comes first. */
  var metres = common.metres;
  var watch = null, fix = null, sentFix = null, sentAt = 0;
  function onPosition(p) {
    fix = { pos: [p.coords.latitude, p.coords.longitude], acc: p.coords.accuracy, t: p.timestamp };
    var now = Date.now();
    if (!sentFix || now - sentAt >= SEND_EVERY_MS || metres(sentFix, fix.pos) >= SEND_EVERY_M) {
      sentFix = fix.pos;
      sentAt = now;
      enqueue({ type: "position", lat: fix.pos[0], lon: fix.pos[1],
        accuracy: Math.max(1, fix.acc), t: Math.min(fix.t, now) / 1000 });
      ui.position.textContent = fill(T.sent_position, {
        time: new Date(now).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }),
        accuracy: Math.round(fix.acc)
      });
    }
    propose();
  }
  function startSharing() {
    if (!("geolocation" in navigator)) { feedback(T.no_position); return; }
    watch = navigator.geolocation.watchPosition(onPosition, function () { feedback(T.no_position); },
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    ui.share.textContent = T.stop_sharing;
    ui.share.setAttribute("aria-pressed", "true");
  }
  function stopSharing() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    fix = sentFix = null;
    enqueue({ type: "stop" });
    ui.share.textContent = T.share;
    ui.share.setAttribute("aria-pressed", "false");
    ui.position.textContent = "";
    propose();
  }

  /* Proposed by itself: at a stop the group is not reported at, or away from the one it is. */
  var proposal = null;
  function propose() {
    proposal = null;
    if (fix && fix.acc <= 100) {
      var radius = Math.max(ARRIVAL_M, fix.acc), i = index(group.stop);
      for (var k = 0; k < stops.length; k++) {
        var d = metres(fix.pos, [stops[k].lat, stops[k].lon]);
        if (d <= radius && !(group.where === "at" && i === k)) {
          proposal = { type: "arrive", k: k, text: fill(T.propose_arrive, { number: stops[k].order }) };
          break;
        }
      }
      if (!proposal && group.where === "at" && i + 1 < stops.length &&
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

  function start(who) {
    var until = new Date(who.expires * 1000).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    ui.link.textContent = fill(T.valid, { name: who.name, time: until });
    ui.actions.hidden = false;
    buildList();
    ui.main.addEventListener("click", function () { var a = nextAction(); if (a) report(a); });
    ui.share.addEventListener("click", function () { if (watch === null) startSharing(); else stopSharing(); });
    ui.text.addEventListener("input", function () { ui.count.textContent = ui.text.value.length + " / 280"; });
    ui.send.addEventListener("click", function () { enqueue({ type: "message", text: ui.text.value }); });
    ui.clear.addEventListener("click", function () { ui.text.value = ""; enqueue({ type: "message", text: "" }); });
    // A rehearsal (or a test) sets the walk's clock: /fr/guide?at=13:48&speed=10
    var at = /[?&]at=(\d{1,2}:\d{2})/.exec(location.search);
    var speed = /[?&]speed=(\d+(?:\.\d+)?)/.exec(location.search);
    if (at) enqueue({ type: "clock", at: at[1], speed: speed ? Number(speed[1]) : 1 });
    refresh().then(render);
    setInterval(refresh, 10000);
  }

  if (!token) { invalid(); return; }
  fetch(api, { headers: { "Authorization": "Bearer " + token }, credentials: "omit", cache: "no-store" })
    .then(function (r) { return r.ok ? r.json().then(start) : invalid(); },
      function () { feedback(T.offline); });
})();
