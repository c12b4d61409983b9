// A SCORM 1.2 SCO: finds the LMS's API in a parent window, reports score and status.
(function () {
  "use strict";
  var KEY = {q1: "open", q2: "closed", q3: "open"};

  function findAPI(win) {
    for (var tries = 0; win && tries < 10; tries++) {
      if (win.API) { return win.API; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  var api = findAPI(window.parent) || (window.opener && findAPI(window.opener));
  var result = document.getElementById("result");
  if (api) {
    api.LMSInitialize("");
    if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
      api.LMSSetValue("cmi.core.lesson_status", "incomplete");
    }
  } else {
    result.textContent = "This activity is not connected to the learning site: your answers will not be saved.";
  }

  document.getElementById("scenario").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, right = 0;
    Object.keys(KEY).forEach(function (name) {
      if (form.elements[name].value === KEY[name]) { right += 1; }
    });
    var score = Math.round(right * 100 / 3);
    var passed = right >= 2;
    result.textContent = "You got " + right + " of 3 right (" + score + "%). " +
      (passed ? "Well done: this activity is complete."
              : "Closed questions can be answered with yes or no. Try again.");
    if (api) {
      api.LMSSetValue("cmi.core.score.raw", String(score));
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.lesson_status", passed ? "passed" : "failed");
      api.LMSCommit("");
    }
  });

  window.addEventListener("pagehide", function () {
    if (api) { api.LMSFinish(""); }
  });
}());
