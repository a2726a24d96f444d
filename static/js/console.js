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
