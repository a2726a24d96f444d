// The organisers' console. The sign-in page reads its code from the link's fragment
// (#token=…), which never reaches a server log, and takes it out of the address bar;
// also when the link is opened in a tab already on the sign-in page (only the fragment
// changes: no new page load).
(function () {
  "use strict";
  var form = document.querySelector("[data-sign-in]");
  function takeToken() {
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (!form || !match) return;
    form.querySelector("input[name=token]").value = decodeURIComponent(match[1]);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  takeToken();
  window.addEventListener("hashchange", takeToken);
  var link = document.querySelector("[data-select-all]");
  if (link) {
    link.addEventListener("focus", function () { link.select(); });
  }
})();

// The edit page's map: one pin per stop, read from and written to its latitude and
// longitude fields (the keyboard way to do the same). The new stop's pin waits at the
// map's centre; dragging it fills the new stop's fields.
(function () {
  "use strict";
  var box = document.getElementById("console-map");
  if (!box || !window.L) return;
  var settings = JSON.parse(box.getAttribute("data-map"));
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: settings.zoom_in, zoomOutTitle: settings.zoom_out }).addTo(map);
  L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 19 }).addTo(map);
  var bounds = [];
  var pairs = document.querySelectorAll("[data-point]");
  var pending = null;
  function number(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isFinite(value) ? value : null;
  }
  Array.prototype.forEach.call(pairs, function (pair, index) {
    var inputs = pair.querySelectorAll("input");
    var lat = inputs[0], lon = inputs[1];
    var isNew = pair.getAttribute("data-point") === "new";
    var label = pair.getAttribute("data-label");
    var icon = L.divIcon({
      className: "console-pin" + (isNew ? " console-pin--new" : ""),
      html: isNew ? "+" : String(index + 1), iconSize: [44, 44],
    });
    var marker = L.marker([0, 0], { draggable: true, icon: icon, title: label, keyboard: true });
    marker.on("dragend", function () {
      var at = marker.getLatLng();
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
    });
    function place() {
      var a = number(lat), b = number(lon);
      if (a !== null && b !== null) {
        marker.setLatLng([a, b]);
        return true;
      }
      return false;
    }
    lat.addEventListener("input", place);
    lon.addEventListener("input", place);
    if (place()) bounds.push(marker.getLatLng());
    else if (isNew) pending = marker;
    if (!isNew || pending !== marker) marker.addTo(map);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [30, 30] });
  else map.setView([43.6108, 3.8767], 14);
  if (pending) pending.setLatLng(map.getCenter()).addTo(map);
})();

// The edit page's schedule, recomputed by the server from the form as it stands (the
// file's own rules), shortly after each change: end time, times of each stop, warnings.
(function () {
  "use strict";
  var box = document.querySelector("[data-schedule-url]");
  var form = document.querySelector("form.console-edit");
  if (!box || !form || !window.fetch) return;
  var timer = null, asked = 0;
  function show(body) {
    if (body.end) box.querySelector("[data-schedule-end]").textContent = body.end;
    var list = box.querySelector("[data-schedule-warnings]");
    var lines = (body.warnings || []).concat(body.problems || []);
    Object.keys(body.errors || {}).forEach(function (name) { lines.push(body.errors[name]); });
    list.textContent = "";
    lines.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    Object.keys(body.times || {}).forEach(function (id) {
      var node = form.querySelector('[data-times="' + CSS.escape(id) + '"]');
      if (node) node.textContent = body.times[id];
    });
  }
  function ask() {
    var mine = ++asked;
    var data = new URLSearchParams(new FormData(form));
    fetch(box.getAttribute("data-schedule-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": form.querySelector("[name=csrf_token]").value },
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
      if (body && mine === asked) show(body);
    }).catch(function () { /* offline: the page's own times stay */ });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
})();
