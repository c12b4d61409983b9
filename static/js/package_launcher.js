/* Package launcher, on the package content origin (lms/progress/launcher.py).
 *
 * SCORM: the runtime (scorm-again) is created here before the package's frame loads, so
 * the package finds window.API (1.2) or window.API_1484_11 (2004) in its parent, on the
 * same origin. It starts from the member's saved runtime data and commits it as JSON to
 * /pkg/<token>/runtime; the server alone decides completion from what the package reported.
 * cmi5: the server makes a launch (endpoint, one-use fetch URL, actor, registration) on
 * this origin and the AU is opened with those as query parameters.
 * What the member should know is shown here and posted to the player page (main origin).
 */
(function () {
  "use strict";

  var settings = JSON.parse(document.body.dataset.launchSettings);
  var frame = document.getElementById("package-content");
  var statusLine = document.getElementById("launcher-status");

  function say(text) {
    statusLine.textContent = text;
    if (window.parent !== window) {
      window.parent.postMessage({ type: "package-status", text: text }, settings.mainOrigin);
    }
  }

  function handleCommit(xhr) {
    var body = null;
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
    if (xhr.status >= 200 && xhr.status < 300 && body && body.result === true) {
      if (body.completed) { say("You have completed this package. Your progress is saved."); }
      return { result: true, errorCode: 0 };
    }
    say((body && body.detail) || "Your progress could not be saved.");
    return { result: false, errorCode: 101 };
  }

  function startScorm() {
    var options = { autocommit: true, autocommitSeconds: 2, logLevel: 5,
                    dataCommitFormat: "json", xhrResponseHandler: handleCommit };
    if (settings.records) { options.lmsCommitUrl = settings.runtimeUrl; }
    var api;
    if (settings.standard === "scorm12") {
      api = new window.Scorm12API(options);
      window.API = api;
    } else {
      api = new window.Scorm2004API(options);
      window.API_1484_11 = api;
    }
    if (settings.cmi) { api.loadFromJSON(settings.cmi); }
    frame.src = settings.launchUrl;
  }

  function startCmi5() {
    fetch(settings.cmi5LaunchUrl, { method: "POST", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.detail || "The package could not start."); }
          return body;
        });
      })
      .then(function (launch) {
        var query = new URLSearchParams({
          endpoint: launch.endpoint, fetch: launch.fetch, actor: JSON.stringify(launch.actor),
          registration: launch.registration, activityId: launch.activityId
        });
        var url = settings.launchUrl;
        frame.src = url + (url.indexOf("?") < 0 ? "?" : "&") + query.toString();
      }, function (error) { say(error.message); });
  }

  if (settings.standard === "cmi5") {
    if (!settings.records) { say("Preview: a cmi5 package runs only for enrolled members."); return; }
    startCmi5();
  } else {
    startScorm();
  }
}());
