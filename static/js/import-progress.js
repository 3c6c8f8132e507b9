/* The progress of an import while its job runs: the page asks for the import's status every second and
   moves its <progress>; when the import has ended the page is loaded again and shows the report. Without
   script the page refreshes itself (a <noscript> meta refresh). */
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.getAttribute("data-ended") === "true") { return; }
  var bar = document.getElementById("import-progress");
  var processed = document.getElementById("import-processed");
  var template = processed.textContent;
  var shown = {n: bar.getAttribute("value") || "0", total: bar.getAttribute("max") || "?"};
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { window.setTimeout(poll, 3000); return; }
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        if (s.rows) { bar.max = s.rows; bar.value = s.processed; }
        processed.textContent = template.replace(shown.n + " / " + shown.total, s.processed + " / " + (s.rows || "?"));
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
