// The guides' page: a button that prints the run sheet (print.css keeps only the sheet).
// Without JavaScript the button stays hidden and the browser's own Print works the same.
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
