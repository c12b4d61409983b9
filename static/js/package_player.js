/* Package player (main site): the package runs in a frame of the package content origin
 * (static/js/package_launcher.js there); this page only shows what the launcher reports,
 * from that origin alone, in the status line.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-package-player]");
  if (!box) { return; }
  var frame = box.querySelector("iframe");
  var statusLine = box.querySelector(".package-status");
  var origin = box.dataset.contentOrigin;

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (data && data.type === "package-status" && typeof data.text === "string") {
      statusLine.textContent = data.text;
    }
  });
}());
