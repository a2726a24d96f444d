/* tourapp live group: where the group is, its delay, the re-estimated times, the guide's
 * message; "Start now" for solo walkers. The state comes from #live[data-live-url]
 * (polled, answered 304 when unchanged); every time is already written by the server.
 * live-boot.js (in the page's bundle) loads this file when there is something live to
 * show, and hands over the state it read and a press on "Start now" (tourapp.liveBoot).
 * Privacy: this script sends nothing but that GET (and one for its texts). The phone's
 * own position (from follow.js) is only used here, to measure the distance to the group. */
(function () {
  "use strict";
  // follow.js sets up the card in a task of its own once the page is parsed: this runs
  // after it, with window.tourapp.follow in place.
  // Its texts are a small file per language (#live[data-live-texts]), not in every page:
  // asked for now, used once the page is parsed; without them (offline before the worker
  // stored them) asked again a few seconds later.
  function texts() {
    var node = document.getElementById("live");
    if (!node) return;
    fetch(node.getAttribute("data-live-texts"), { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (words) {
      function later() { setTimeout(function () { live(words); }, 0); }
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", later);
      else later();
    }, function () { setTimeout(texts, 4000); });
  }
  texts();

  function live(words) {
  var root = document.getElementById("live");
  var card = document.getElementById("follow");
  if (!root || !card) return;
  var url = root.getAttribute("data-live-url");
  var T, follow, lang, stops, STATE_KEY, START_KEY;
  // The version the page shows: its texts, its stops, what this phone stored for it.
  // data-live names the version; the texts of the page's language came in their own file.
  function adopt() {
    T = Object.assign({}, words, JSON.parse(root.getAttribute("data-live")));
    follow = JSON.parse(card.getAttribute("data-follow"));
    lang = follow.lang;
    stops = follow.stops;
    STATE_KEY = "tourapp-live-" + T.version;
    START_KEY = "tourapp-start-" + T.version;
  }
  adopt();
  var POLL_MS = 4000;          // p95 from the guide's tap to every phone: under 5 s
  var AWAY_M = 150;            // farther than this from a group that moved on: show the way
  var SILENT_MS = 5 * 60000;   // no report for this long: the group's line says how old it is
  var plural = new Intl.PluralRules(lang);
  var app = window.tourapp = window.tourapp || {};
  var boot = app.liveBoot || {};
  app.live = true; // live-boot.js leaves "Start now" to this script from now on

  function $(s) { return card.querySelector(s); } // #live, and the banner above the card
  var ui = {
    banner: $(".live-banner"), from: $(".live-banner__from"), text: $(".live-banner__text"),
    group: $(".live-group"), estimate: $(".live-estimate"), away: $(".live-away"),
    awayText: $(".live-away__text"), links: root.querySelectorAll(".live-away__link"),
    age: $(".live-age"), start: $(".live-start"), help: $(".live-solo__help")
  };
  var common = app.common, fill = common.fill; // common.js
  function counted(forms, num) { return common.counted(forms, num, plural); }
  function show(node, text) { node.textContent = text || ""; node.hidden = !text; }
  function walkMin(m) { return Math.max(1, common.walkMin(m, follow.speed_kmh)); }
  function ageText(ms) {
    var min = Math.floor(ms / 60000);
    return min < 1 ? T.just_now : fill(T.ago, { time: counted(T.minutes, min) });
  }
  function load(key) { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function save(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: this visit only */ }
  }

  /* The last state received, when, and the server's clock compared with ours. */
  var last = load(STATE_KEY); // { state, received (ms, our clock), skew (ms) }
  var online = false, etag = null;
  if (boot.first) { // the state live-boot.js just read
    online = true;
    if (!newVersion(boot.first)) {
      last = { state: boot.first.state, received: boot.first.received, skew: boot.first.skew };
      etag = boot.first.etag;
      save(STATE_KEY, last);
    }
  }

  /* The organisers accepted another version (the state's "tour"): swap.js takes it into
   * the page in place. Meanwhile the last state (of the version shown) stays on screen,
   * the group's marker and line with it; once the page has the new version, this state
   * (of that version) is shown at once. Until then each poll asks for the whole state. */
  function newVersion(got) {
    if (!got.state.tour || got.state.tour === T.version || !app.swap) return false;
    etag = null;
    app.swap(got.state.tour).then(function (swapped) {
      if (!swapped) return;
      adopt();
      solo = load(START_KEY); // moved to the new version by swap.js
      if (got.state.tour === T.version) {
        last = got;
        save(STATE_KEY, last);
      }
      if (marker) marker.bringToFront(); // over the new legs
      if (app.follow) app.follow.reload(follow); // the card, then this script's part (follow:render)
      render();
    });
    return true;
  }

  /* The walk clock follow.js uses: a solo start wins, then the live group's clock. On the
   * walk's own day, and whenever a guided walk is live (a rehearsal, a re-run: the walk is
   * happening now, whatever the calendar says), the group's times hold: a solo start (kept
   * from an earlier visit) is ignored. */
  var solo = load(START_KEY);
  // Not a group silent for longer than the whole walk lasts: a rehearsal left live the day
  // before (nobody ran `tour live-reset`) is old news, shown as such, not a walk now.
  function groupLive() {
    var s = last && last.state;
    var span = stops.length ? (stops[stops.length - 1].departure_min - stops[0].arrival_min) * 60000 : 0;
    return !!(s && s.active && s.tour === T.version &&
      !(s.contact && Date.now() + last.skew - s.contact * 1000 > Math.max(span, 3600000)));
  }
  function own() { return solo && !(app.follow && app.follow.walkDay()) && !groupLive() ? solo : null; }
  function walkMinute(clock, realMs) { return clock.plan_min + (realMs / 1000 - clock.real_s) * clock.speed / 60; }
  // For the card: minutes between the walker's own timetable and the plan (null: none).
  app.paceShift = function () { return own() ? solo.wall_min - solo.plan_min : null; };
  app.clock = function () {
    if (own()) return walkMinute(solo, Date.now());
    var s = groupLive() && last.state;
    if (s && s.clock) return walkMinute(s.clock, Date.now() + last.skew);
    return null;
  };

  // For the card (follow.js): where the live group is, as its state ({next, at}: at stop
  // next - 1, or walking to next); null when no guided walk is live, or it is over.
  app.group = function () {
    var s = groupLive() && last.state, i = s ? stopIndex(s.stop) : -1;
    if (i < 0) return null;
    return s.where === "at" ? { next: i + 1, at: true } : s.where === "walking" ? { next: i, at: false } : null;
  };

  /* The time of day in the tour's zone, in minutes: when a solo walker starts. */
  var wall = new Intl.DateTimeFormat("en-GB", { timeZone: follow.timezone, hourCycle: "h23",
    hour: "2-digit", minute: "2-digit" });
  function wallMinute(date) {
    var p = {};
    wall.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    return (+p.hour) * 60 + (+p.minute) + date.getSeconds() / 60;
  }

  /* Times of day for "Start now", as the card writes them (the server's patterns). */
  function clockText(minute) {
    var m = ((Math.floor(minute) % 1440) + 1440) % 1440;
    return app.follow.clockText(Math.floor(m / 60), m % 60);
  }

  var marker = null, markerLabel = null;
  function drawGroup(s, skew) {
    var map = app.map, L = window.L;
    if (!map || !L) return;
    var p = s && s.position;
    if (!p) { if (marker) { marker.remove(); marker = null; } return; }
    var ll = L.latLng(p.lat, p.lon);
    markerLabel = markerLabel || document.createElement("span");
    markerLabel.textContent = (p.guide || s.guide || T.guide) + ", " + ageText(Date.now() + skew - p.t * 1000);
    if (!marker) {
      marker = L.circleMarker(ll, { radius: 11, className: "live-group-marker", color: "#ffffff",
        weight: 3, fillColor: "#1a7f37", fillOpacity: 1, interactive: false }).addTo(map);
      // A DOM node: the guide's name is text, never HTML.
      // "auto": to the left near the map's right edge, so the label is never clipped.
      marker.bindTooltip(markerLabel, { permanent: true, direction: "auto", className: "live-group-label" });
      // Leaflet picks the side when the tooltip opens or the map zooms: again after a pan.
      map.on("moveend", function () { if (marker && marker.getTooltip()) marker.getTooltip().update(); });
    } else {
      marker.setLatLng(ll);
      marker.setTooltipContent(markerLabel);
    }
  }

  function stopIndex(id) {
    for (var i = 0; i < stops.length; i++) if (stops[i].id === id) return i;
    return -1;
  }
  function verdict(delay) {
    if (delay === null || delay === undefined) return "";
    if (Math.abs(delay) <= follow.on_time_min) return T.on_time;
    return delay > 0 ? counted(T.late, delay) : counted(T.early, -delay);
  }
  function stopLine(st) {
    if (!st) return "";
    if (st.arrived) return fill(T.planned_actual, { planned: st.planned_arrival[lang], actual: st.arrival[lang] });
    return fill(T.planned_estimated, { planned: st.planned_arrival[lang], estimated: st.arrival[lang] });
  }
  function times(id, text) {
    var item = document.getElementById("stop-" + id);
    if (!item) return;
    var line = item.querySelector(".live-times");
    if (!line) {
      line = document.createElement("p");
      line.className = "live-times";
      var after = item.querySelector(".stop-time");
      item.insertBefore(line, after ? after.nextSibling : null);
    }
    show(line, text);
  }

  function render() {
    var s = last && last.state, skew = last ? last.skew : 0;
    var mine = own();
    var live = !mine && s && s.active && s.tour === T.version ? s : null;
    // The group's line, its delay, the next stop's estimate.
    if (live) {
      var i = stopIndex(live.stop);
      var first = live.stops && live.stops[0];
      // Before the walk's start the group waits at the meeting point: no verdict yet.
      var waiting = live.where === "at" && live.started === false && first;
      var where = waiting ? fill(T.group_waiting, { name: stops[0].name, time: first.planned_departure[lang] }) :
        live.where === "at" && i >= 0 ? fill(T.group_at, { name: stops[i].name, time: live.since[lang] }) :
        live.where === "walking" && i >= 0 ? fill(T.group_walking, { name: stops[i].name }) :
        live.where === "finished" ? T.group_finished : "";
      var parts = [where, live.where === "finished" || waiting ? "" : verdict(live.delay_min)];
      // Old news shown as old: no report from any guide for a while.
      var silent = live.contact && live.where !== "finished" ? Date.now() + skew - live.contact * 1000 : 0;
      if (silent >= SILENT_MS) parts.push(fill(T.silent, { time: ageText(silent) }));
      show(ui.group, parts.filter(Boolean).join(" · "));
    } else {
      show(ui.group, "");
    }
    var byId = {};
    if (live) live.stops.forEach(function (st) { byId[st.id] = st; });
    stops.forEach(function (stop) {
      if (mine) times(stop.id, fill(T.your_pace, { time: clockText(solo.wall_min + stop.arrival_min - stops[0].arrival_min) }));
      else times(stop.id, live ? stopLine(byId[stop.id]) : "");
    });
    var next = card.getAttribute("data-next");
    show(ui.estimate, live && next && byId[next] && !byId[next].arrived ? stopLine(byId[next]) : "");
    // The guide's message: text, with who sent it and when.
    var msg = s && s.active && s.message;
    ui.banner.hidden = !msg;
    ui.from.textContent = msg ? fill(T.message_from, {
      name: msg.guide || s.guide || T.guide, // the guide who wrote it, not the last one heard
      // On the walk's clock, in the walk's zone (not the phone's), as the group's times:
      // « 13 h 21 », written as every time of the app.
      time: clockText(s.clock ? walkMinute(s.clock, msg.t * 1000) : wallMinute(new Date(msg.t * 1000)))
    }) : "";
    ui.text.textContent = msg ? msg.text : "";
    // Offline, or a static copy: the last known state and how old it is.
    show(ui.age, !online && s && s.active ? fill(T.stale, { age: ageText(Date.now() - last.received) }) : "");
    drawGroup(live, skew);
    away(live);
    // A guided walk is live: its times are the group's, no solo start beside them (and on
    // the walk's own day follow.js hides the button: is-walk-day).
    ui.start.hidden = !mine && !!live;
    ui.start.textContent = mine ? T.reset : T.start;
    show(ui.help, mine ? T.solo_help : "");
  }

  /* Left behind: distance and walking time to the group, and the way there in a maps app. */
  function away(live) {
    var me = app.follow && app.follow.position();
    var p = live && live.position;
    var far = me && p && live.where !== "planned" ? app.follow.distance(me, [p.lat, p.lon]) : 0;
    if (far <= AWAY_M) { ui.away.hidden = true; return; }
    ui.awayText.textContent = fill(T.away, { distance: app.follow.distanceText(far), time: counted(T.minutes, walkMin(far)) });
    var to = p.lat.toFixed(6) + "," + p.lon.toFixed(6);
    // Only the group's position goes into these links: the maps app finds the walker itself.
    var hrefs = {
      geo: "geo:" + to + "?q=" + to,
      google: "https://www.google.com/maps/dir/?api=1&travelmode=walking&destination=" + to,
      apple: "https://maps.apple.com/?dirflg=w&daddr=" + to
    };
    Array.prototype.forEach.call(ui.links, function (a) { a.href = hrefs[a.getAttribute("data-kind")]; });
    ui.away.hidden = false;
  }

  function poll() {
    if (!url || navigator.onLine === false) {
      // No server (a static copy) or no network: the last state, with its age, or the plan.
      online = false;
      render();
      if (url) setTimeout(poll, POLL_MS);
      return;
    }
    fetch(url, { cache: "no-cache", credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      var skew = common.skew(r);
      var tag = r.headers.get("ETag");
      if (tag && tag === etag && last) {
        last.skew = skew;
        online = true;
        return null;
      }
      etag = tag;
      return r.json().then(function (state) {
        online = true;
        if (newVersion({ state: state, received: Date.now(), skew: skew })) return;
        last = { state: state, received: Date.now(), skew: skew };
        save(STATE_KEY, last);
        if (app.follow) app.follow.refresh();
      });
    }).catch(function () { online = false; }).then(function () {
      render();
      setTimeout(poll, POLL_MS);
    });
  }

  function startOrReset() {
    solo = solo ? null : { real_s: Date.now() / 1000, plan_min: stops[0].arrival_min, speed: 1,
      wall_min: wallMinute(new Date()) };
    save(START_KEY, solo);
    if (app.follow) app.follow.refresh();
    render();
  }
  ui.start.addEventListener("click", startOrReset);
  if (boot.start) startOrReset(); // pressed before this script ran
  card.addEventListener("follow:render", function () { if (last || solo) render(); });
  render();
  if (app.follow) app.follow.refresh();
  poll();
  }
})();
