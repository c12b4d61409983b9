// The session page tells the server the browser's time zone, which becomes the
// member's zone when they never chose one (their profile can change it).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  document.querySelectorAll('input[name="time_zone"]').forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });
})();
