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
  // The query (a rehearsal's ?at=14:05, a link's tracking) and the fragment are kept, as
  // the app's root and the offline worker keep them.
  function go(link) {
    var target = new URL(link.href, location.href);
    target.search = location.search;
    target.hash = location.hash;
    location.replace(target.href);
  }
  for (var i = 0; i < wanted.length; i++) {
    for (var j = 0; j < links.length; j++) {
      if (links[j].hreflang === wanted[i]) { go(links[j]); return; }
    }
  }
  go(links[0]);
})();
