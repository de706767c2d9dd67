// Draws a PDF material with the vendored pdf.js (static/vendor/pdfjs, from
// the npm package pdfjs-dist): no outside service, no plug-in. The file is
// fetched from this site; pdf.js evaluates nothing (isEvalSupported off).
"use strict";

(function () {
  var viewer = document.getElementById("pdf-viewer");
  if (!viewer) { return; }
  var status = document.getElementById("pdf-status");
  import(viewer.getAttribute("data-lib")).then(function (pdfjs) {
    pdfjs.GlobalWorkerOptions.workerSrc = viewer.getAttribute("data-worker");
    return pdfjs.getDocument({
      url: viewer.getAttribute("data-src"),
      isEvalSupported: false,
      cMapUrl: viewer.getAttribute("data-cmaps"),
      cMapPacked: true,
      withCredentials: true
    }).promise;
  }).then(function (pdf) {
    var chain = Promise.resolve();
    for (var n = 1; n <= pdf.numPages; n++) {
      chain = chain.then(page.bind(null, pdf, n));
    }
    return chain.then(function () {
      status.textContent = "";
      viewer.setAttribute("data-pages", String(pdf.numPages));
    });
  }).catch(function () {
    status.textContent = viewer.getAttribute("data-failed");
    viewer.setAttribute("data-failed-to-load", "true");
  });

  function page(pdf, n) {
    return pdf.getPage(n).then(function (p) {
      var viewport = p.getViewport({ scale: 1.25 });
      var canvas = document.createElement("canvas");
      canvas.className = "pdf-page";
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      viewer.appendChild(canvas);
      return p.render({ canvasContext: canvas.getContext("2d"), viewport: viewport }).promise;
    });
  }
})();
