/* Package player: the SCORM runtime (scorm-again) or a cmi5 launch for a package item.
 *
 * SCORM: the runtime is created in this page before the package's frame loads, so the
 * package finds window.API (1.2) or window.API_1484_11 (2004) in its parent. It starts
 * from the member's saved runtime data and commits it as JSON to the server, which alone
 * decides completion from what the package reported.
 * cmi5: the server makes a launch (endpoint, one-use fetch URL, actor, registration) and
 * the AU is opened with those as query parameters; its statements go to the server.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-package-player]");
  if (!box) { return; }
  var frame = box.querySelector("iframe");
  var statusLine = box.querySelector(".package-status");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";
  var records = box.hasAttribute("data-records");
  var standard = box.dataset.standard;

  function say(text) { statusLine.textContent = text; }

  function getJSON(url, method) {
    return fetch(url, {
      method: method || "GET", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { throw new Error(body.detail || "The package could not start."); }
        return body;
      });
    });
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

  function startScorm(cmi) {
    var settings = { autocommit: true, autocommitSeconds: 2, logLevel: 5,
                     dataCommitFormat: "json", xhrHeaders: { "X-CSRFToken": csrf },
                     xhrResponseHandler: handleCommit };
    if (records) { settings.lmsCommitUrl = box.dataset.runtimeUrl; }
    var api;
    if (standard === "scorm12") {
      api = new window.Scorm12API(settings);
      window.API = api;
    } else {
      api = new window.Scorm2004API(settings);
      window.API_1484_11 = api;
    }
    if (cmi) { api.loadFromJSON(cmi); }
    frame.src = box.dataset.launchUrl;
  }

  function startCmi5(launch) {
    var query = new URLSearchParams({
      endpoint: launch.endpoint, fetch: launch.fetch, actor: JSON.stringify(launch.actor),
      registration: launch.registration, activityId: launch.activityId
    });
    var url = box.dataset.launchUrl;
    frame.src = url + (url.indexOf("?") < 0 ? "?" : "&") + query.toString();
  }

  if (standard === "cmi5") {
    if (!records) { say("Preview: a cmi5 package runs only for enrolled members."); return; }
    getJSON(box.dataset.launchApi, "POST").then(startCmi5, function (error) { say(error.message); });
  } else if (records) {
    getJSON(box.dataset.runtimeUrl).then(function (body) { startScorm(body.cmi); },
                                         function (error) { say(error.message); });
  } else {
    startScorm(null);
  }
}());
