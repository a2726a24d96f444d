/* tourapp's small helpers, shared by follow.js, live.js and guide.js (one copy, one
 * behaviour): window.tourapp.common. Loaded before them (first in the page's bundle, its
 * own tag on the guide page). */
(function () {
  "use strict";
  var app = window.tourapp = window.tourapp || {};
  var R = 6371009; // geopy's great_circle radius: the same metres as the server
  var RAD = Math.PI / 180;
  app.common = {
    /* A server text with its {placeholders} filled. A function replacer: "$&" in a stop
     * name stays text. */
    fill: function (text, vars) {
      return text.replace(/\{(\w+)\}/g, function (all, key) {
        return Object.prototype.hasOwnProperty.call(vars, key) ? String(vars[key]) : all;
      });
    },
    /* The plural form ({one, other}, from the server) for num, filled. */
    counted: function (forms, num, plural) {
      return app.common.fill(forms[plural.select(num)] || forms.other, { num: num });
    },
    /* Metres between two [lat, lon] on the great circle. */
    metres: function (a, b) {
      var dLat = (b[0] - a[0]) * RAD, dLon = (b[1] - a[1]) * RAD;
      var h = Math.pow(Math.sin(dLat / 2), 2) +
        Math.cos(a[0] * RAD) * Math.cos(b[0] * RAD) * Math.pow(Math.sin(dLon / 2), 2);
      return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
    },
    /* A time of day as the server writes it (i18n.TIME_PATTERNS): « 14 h 05 », "2:05 PM". */
    clockText: function (lang, h, m) {
      var mm = (m < 10 ? "0" : "") + m;
      if (lang === "fr") return h + "\u00a0h\u00a0" + mm;
      return (h % 12 || 12) + ":" + mm + "\u00a0" + (h < 12 ? "AM" : "PM");
    },
    /* Minutes to walk m metres, as tour.walk_minutes: rounded up, people arrive late
     * rather than early. */
    walkMin: function (m, speedKmh) { return Math.ceil(m / (speedKmh * 1000 / 60) - 1e-9); },
    /* Milliseconds from this phone's clock to the server's (its answer's Date header); 0
     * when unknown. A server or a proxy may send Date twice, which fetch joins into one
     * value Date.parse cannot read ("Fri, 04 Dec 2026 09:57:48 GMT, Fri, …"): the first. */
    skew: function (response) {
      var date = Date.parse((response.headers.get("Date") || "").split(/, (?=[A-Z][a-z]{2},)/)[0]);
      return isNaN(date) ? 0 : date - Date.now();
    }
  };
})();
