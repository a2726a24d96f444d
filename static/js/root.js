/* The root page of a static export (templates/freeze-index.html): a static host cannot read
 * Accept-Language, so the phone's languages choose the page here, as the app's own root
 * (tour.index) and the offline worker do. Without script, the page's refresh sends to
 * the default language. */
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("link[rel=alternate][hreflang]"));
  if (!links.length) return;
  var wanted = (navigator.languages || [navigator.language || ""]).map(function (tag) {
    return String(tag).slice(0, 2).toLowerCase();
  });
  for (var i = 0; i < wanted.length; i++) {
    for (var j = 0; j < links.length; j++) {
      if (links[j].hreflang === wanted[i]) { location.replace(links[j].href); return; }
    }
  }
  location.replace(links[0].href);
})();
