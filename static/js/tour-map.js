/* tourapp map helpers: popups and tooltips built from text, never from HTML.
 * The map script (one per language, rendered by folium) calls these. */
(function () {
  "use strict";
  var markers = [];
  // folium creates each marker with Leaflet's default image icon before giving it
  // its numbered icon: a plain div as the default avoids three useless image requests.
  L.Marker.prototype.options.icon = L.divIcon({ className: "stop-marker", iconSize: [32, 32] });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function popupContent(t) {
    var box = el("div", "stop-popup");
    box.appendChild(el("strong", "stop-popup__name", t.order + ". " + t.name));
    box.appendChild(el("div", "stop-popup__time", t.time));
    if (t.address) box.appendChild(el("div", "stop-popup__address", t.address));
    if (t.description) box.appendChild(el("p", "stop-popup__description", t.description));
    return box;
  }

  window.tourapp = {
    bindStop: function (marker, t) {
      marker.bindPopup(function () { return popupContent(t); }, { maxWidth: 280 });
      marker.bindTooltip(function () { return el("span", "", t.order + ". " + t.name); });
      markers.push({ marker: marker, texts: t });
    },
    register: function (map, bounds) {
      // No animation: the map is still at load, so a tap lands where the stop is shown.
      map.fitBounds(bounds, { padding: [24, 24], animate: false });
      markers.forEach(function (m) {
        var node = m.marker.getElement();
        if (node) {
          node.setAttribute("aria-label", m.texts.label);
          node.setAttribute("role", "button");
          node.setAttribute("data-stop", m.texts.id);
        }
      });
      window.tourapp.map = map;
      window.tourapp.markers = markers;
    }
  };
})();
