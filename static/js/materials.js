// Progressive enhancement of the materials form: files dropped on a type's
// row go into its file input, and the upload shows its progress. Without
// this file the form posts as any file form does.
"use strict";

(function () {
  var form = document.getElementById("materials-form");
  if (!form) { return; }
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);

  form.querySelectorAll("[data-drop]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || files.length === 0) { return; }
      // One file per type: the first one dropped.
      var one = new DataTransfer();
      one.items.add(files[0]);
      input.files = one.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("change", function () {
      var hint = zone.querySelector(".drop-hint");
      var file = input.files && input.files[0];
      if (hint && file) { hint.textContent = file.name; }
      var old = zone.parentNode.querySelector(".field-error.client");
      if (old) { old.remove(); }
      if (file && file.size > maxBytes) {
        var p = document.createElement("p");
        p.className = "field-error client";
        p.textContent = form.getAttribute("data-too-large");
        zone.parentNode.appendChild(p);
      }
    });
  });

  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    event.preventDefault();
    var button = document.getElementById("upload-button");
    button.disabled = true;
    bar.hidden = false;
    percent.hidden = false;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var p = Math.floor(e.loaded * 100 / e.total);
      bar.value = p;
      percent.textContent = p + "%";
    });
    xhr.addEventListener("load", function () {
      bar.value = 100;
      percent.textContent = "100%";
      if (xhr.status === 200 && xhr.responseURL) {
        // Stored: the page the server sent us on to.
        window.location.assign(xhr.responseURL);
        return;
      }
      // Refused: the server's page with its messages, as without JavaScript.
      document.open();
      document.write(xhr.responseText);
      document.close();
      window.scrollTo(0, 0);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      percent.textContent = "×";
    });
    xhr.send(new FormData(form));
  });
})();
