// The organisers' console. The sign-in page reads its code from the link's fragment
// (#token=…), which never reaches a server log, and takes it out of the address bar.
(function () {
  "use strict";
  var form = document.querySelector("[data-sign-in]");
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (form && match) {
    form.querySelector("input[name=token]").value = decodeURIComponent(match[1]);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var link = document.querySelector("[data-select-all]");
  if (link) {
    link.addEventListener("focus", function () { link.select(); });
  }
})();
