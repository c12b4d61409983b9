// Catalog filters: update the results in place and announce the new count.
// Without JavaScript the same form reloads the page, so nothing depends on this file.
(function () {
  "use strict";
  var form = document.getElementById("catalog-filters");
  if (!form || !window.fetch || !window.DOMParser) { return; }

  function announce(results) {
    var heading = results.querySelector("#results-heading");
    var status = results.querySelector("#results-status");
    if (heading && status) {
      // A short delay lets screen readers notice the live region's change.
      window.setTimeout(function () { status.textContent = heading.textContent.trim(); }, 100);
    }
  }

  function load(url, push) {
    var current = document.getElementById("results");
    current.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("results");
        // Field errors are shown by the full page, next to the fields.
        if (!fresh || doc.querySelector("#catalog-filters .has-error")) {
          window.location.assign(url);
          return;
        }
        current.replaceWith(fresh);
        if (push) { window.history.pushState({ catalog: true }, "", url); }
        document.title = doc.title;
        announce(fresh);
      })
      .catch(function () { window.location.assign(url); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (!params.get(key)) { params.delete(key); }
    });
    var query = params.toString();
    load(form.action + (query ? "?" + query : ""), true);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".pager a");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    load(link.href, true).then(function () {
      var heading = document.getElementById("results-heading");
      if (heading) { heading.focus(); }
    });
  });

  window.addEventListener("popstate", function () { window.location.reload(); });
})();
