/* The character counter of a text area with a limit (maxlength): the page states the limit without
   script; with it, the count follows the typing, and a paste the browser cuts at the limit is said. */
(function () {
  "use strict";
  function attach(area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) { return; }
    var max = parseInt(area.getAttribute("maxlength"), 10);
    var typed = out.getAttribute("data-typed"), cut = out.getAttribute("data-cut");
    var note = "";
    function show() {
      var n = Array.from(area.value).length;
      out.textContent = typed.replace("{n}", n).replace("{max}", max) + note;
      out.classList.toggle("at-limit", n >= max);
    }
    area.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text") || "";
      var room = max - Array.from(area.value).length + (area.selectionEnd - area.selectionStart);
      var lost = Array.from(text).length - room;
      note = lost > 0 ? " " + cut.replace("{lost}", lost) : "";
      window.setTimeout(show, 0);
    });
    area.addEventListener("input", function (event) {
      if (event.inputType !== "insertFromPaste") { note = ""; }
      show();
    });
    show();
  }
  document.querySelectorAll("textarea[data-counter][maxlength]").forEach(attach);
}());
