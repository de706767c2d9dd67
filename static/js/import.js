// Progressive enhancement for the spreadsheet import (issue 9): the pages
// work without it (a refresh button, the server's size check).
"use strict";

(function () {
  // Refuse an oversized file before uploading it.
  var form = document.getElementById("import-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      var max = parseInt(form.getAttribute("data-max-bytes"), 10);
      var file = input && input.files && input.files[0];
      if (file && max && file.size > max) {
        event.preventDefault();
        var box = document.getElementById("file-error");
        box.textContent = form.getAttribute("data-too-large");
        box.hidden = false;
      }
    });
  }

  // The progress bar, fed by the server while the rows are being checked.
  var section = document.getElementById("import-progress");
  if (!section) { return; }
  var url = section.getAttribute("data-progress-url");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var template = text.textContent;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p.status !== "processing") { window.location.reload(); return; }
        bar.max = p.total;
        bar.value = p.done;
        text.textContent = template.replace(/\d+\s*\/\s*\d+/, p.done + " / " + p.total);
        window.setTimeout(poll, 500);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
}());
