/* tourapp extras, a bundle of its own (site.js fetches it at the first gesture or arrival):
 * - the arrival's cue: one short vibration, where the phone allows it and only once the
 *   walker has touched the page (browsers refuse it before, and it would startle);
 * - "Read aloud": the stop's texts in the page's language with the phone's own voice
 *   (speechSynthesis), a button shown only where the browser has one;
 * - "Share": the phone's share sheet (navigator.share), else the link copied, said so.
 * Texts come from the page (the card's data, the itinerary): file text only ever reaches
 * the page through textContent. */
(function () {
  "use strict";
  var app = window.tourapp = window.tourapp || {};
  var root = document.getElementById("follow");
  var M = {};
  try { M = JSON.parse(root.getAttribute("data-follow")).messages; } catch (e) { /* no card */ }
  var voice = document.documentElement.lang === "en" ? "en-GB" : "fr-FR";
  var speech = !!(window.speechSynthesis && window.SpeechSynthesisUtterance);

  function touched() {
    var u = navigator.userActivation;
    return u ? u.hasBeenActive : !!app.touched; // site.js notes the first gesture
  }

  function text(node) { return node ? node.textContent.replace(/\s+/g, " ").trim() : ""; }

  /* The stop's texts as the itinerary shows them: name, description, programme, notes. */
  function stopText(id) {
    var item = document.getElementById("stop-" + id);
    if (!item) return "";
    var heading = item.querySelector(".stop-name");
    var name = heading ? heading.cloneNode(true) : null;
    if (name) name.querySelectorAll(".stop-number, .stop-status").forEach(function (n) { n.remove(); });
    var parts = [text(name)];
    [".stop-description", ".stop-activity", ".stop-practical"].forEach(function (part) {
      var node = item.querySelector(part);
      if (!node) return;
      if (part === ".stop-practical") {
        node.querySelectorAll("li").forEach(function (li) { parts.push(text(li)); });
      } else {
        parts.push(text(node));
      }
    });
    return parts.filter(Boolean).map(function (p) { return /[.!?…]$/.test(p) ? p : p + "."; }).join(" ");
  }

  /* The card's "Read aloud" button: the stop where the walker is. */
  var read = null;
  function readButton() {
    if (!speech || !root || !M.read_aloud) return;
    if (!read) {
      read = document.createElement("button");
      read.type = "button";
      read.className = "follow-read";
      read.style.minHeight = "44px"; // a finger's target (no rule in the first render's styles)
      read.textContent = M.read_aloud;
      read.addEventListener("click", function () {
        var id = root.getAttribute("data-at");
        if (!id) return;
        var u = new SpeechSynthesisUtterance(stopText(id));
        u.lang = voice;
        window.speechSynthesis.cancel(); // a second press starts again, never queues
        window.speechSynthesis.speak(u);
      });
      var here = root.querySelector(".follow-here");
      here.parentNode.insertBefore(read, here.nextSibling);
    }
    read.hidden = !root.getAttribute("data-at");
  }

  /* The card shows an arrival (follow.js: is-arrived, from the position): one vibration per
   * arrival, however many times the card is drawn meanwhile. */
  var cued = false;
  function arrival() {
    readButton();
    var now = root.classList.contains("is-arrived");
    if (now && !cued && navigator.vibrate && touched()) {
      try { navigator.vibrate(200); } catch (e) { /* refused: the card says it */ }
    }
    cued = now;
  }

  /* Share the walk's page (without ?at= and #): the sheet, else the clipboard. */
  function share() {
    var url = location.origin + location.pathname;
    var done = document.querySelector(".share-done");
    function say(message) { if (done) done.textContent = message || ""; }
    if (navigator.share) {
      navigator.share({ title: document.title, url: url }).catch(function () {});
    } else if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { say(M.copied); },
        function () { say(url); }); // to copy by hand
    } else {
      say(url);
    }
  }

  /* A stop's pop-up gets what happens there, the practical notes and the entrance's photo
   * (lazy): the itinerary's own nodes, copied. Opening one is a gesture, which loads this. */
  function popup(event) {
    var box = event.popup.getElement().querySelector(".stop-popup");
    var item = box && document.getElementById("stop-" + box.getAttribute("data-stop"));
    if (!item || box.querySelector(".stop-activity, .stop-practical, .stop-photo")) return;
    item.querySelectorAll(".stop-activity, .stop-practical, .stop-photo").forEach(function (node) {
      box.appendChild(node.cloneNode(true));
    });
    // No popup.update(): it would draw the content again from tour-map.js, without these.
    // The pop-up keeps its width (set by Leaflet on its content) and grows upwards: placed
    // again inside the map (tour-map.js), its text scrolling when taller than the map.
    if (app.fitPopup) app.fitPopup(event.popup);
  }
  // (Leaflet's public API only: this file is outside the bundle, whose private names are short.)
  if (app.map) app.map.on("popupopen", popup);
  (app.markers || []).forEach(function (m) { // opened before this file arrived
    if (m.marker.isPopupOpen()) popup({ popup: m.marker.getPopup() });
  });

  function run(call) {
    if (call === "share") share();
  }
  (app.extrasQueue || []).forEach(run);
  app.extrasQueue = [];
  app.extras = run;
  app.extrasReady = true; // (the tests wait for it)
  if (root) {
    root.addEventListener("follow:render", arrival);
    arrival();
  }
})();
