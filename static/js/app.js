// Progressive enhancement only: every page works without this file.
// No evaluation rule lives here: the live findings come from the server.
"use strict";

(function () {
  // Print buttons on reports.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The self-assessment's running score: the server scores the form as typed.
  var scored = document.getElementById("self-assessment-form");
  if (scored) { live(scored, document.getElementById("score-panel"), scored.getAttribute("data-live"), "score-button"); }

  // The table editor: each line shows the parameters of its kind only
  // (without this script every kind's are shown, each with its label).
  document.querySelectorAll("#table-form .table-line").forEach(function (line) {
    var kind = line.querySelector("select.line-kind");
    function showKind() {
      line.querySelectorAll(".kind-params").forEach(function (p) {
        p.hidden = p.getAttribute("data-kind") !== kind.value;
      });
    }
    if (kind) {
      kind.addEventListener("change", showKind);
      showKind();
    }
  });

  var form = document.getElementById("proposal-form");
  if (!form) { return; }

  // The fourth and fifth year apply to accelerated counties only.
  var accelerated = form.querySelector('input[name="accelerated_county"]');
  function showYears() {
    var on = accelerated && accelerated.checked;
    form.querySelectorAll(".extra-year").forEach(function (label) {
      label.hidden = !on;
      if (!on) { label.querySelector("input").value = ""; }
    });
  }
  if (accelerated) {
    accelerated.addEventListener("change", showYears);
    showYears();
  }

  // Live evaluation: post the form as typed to the server, which evaluates
  // it under the active standard and answers with the findings panel.
  live(form, document.getElementById("live-findings"), "/proposals/live", "evaluate-button");
})();

// Posts `form` as typed to `url` a moment after each change and shows the
// answer (a panel of HTML) in `panel`; the no-JavaScript button is hidden.
function live(form, panel, url, buttonId) {
  var timer = null;
  var sent = 0;
  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    body.delete("action");
    var mine = ++sent;
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) {
      // Only the answer to the latest change is shown.
      if (mine === sent) {
        panel.innerHTML = html;
        panel.setAttribute("data-updated", String(mine));
      }
    }).catch(function () { /* keep the last findings; the button still works */ });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  var button = document.getElementById(buttonId);
  if (button) { button.hidden = true; }
}
