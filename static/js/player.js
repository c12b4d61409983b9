/* Course player: speed, captions, click-to-seek transcript, resume, and honest progress reports.
 *
 * The player reports the intervals really played (every 15 s while playing, and on pause,
 * seek, end and page hide). The server unions them, bounds them by wall-clock time and
 * decides completion; this script never claims "done".
 */
(function () {
  "use strict";

  var REPORT_EVERY_MS = 15000;
  var root = document.querySelector("[data-player]");
  if (!root) { return; }
  var video = root.querySelector("video");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.content : "";
  var recording = root.dataset.record === "1";

  setUpSpeed();
  setUpCaptions();
  setUpTranscript();
  if (!video) { return; }
  setUpResume();
  if (recording) { setUpTracking(); }

  function setUpSpeed() {
    var speed = document.getElementById("speed");
    if (!speed || !video) { return; }
    speed.addEventListener("change", function () { video.playbackRate = Number(speed.value) || 1; });
    video.addEventListener("ratechange", function () {
      var value = String(video.playbackRate);
      if (speed.value !== value && speed.querySelector('option[value="' + value + '"]')) { speed.value = value; }
    });
  }

  function setUpCaptions() {
    var toggle = document.getElementById("captions-toggle");
    if (!toggle || !video) { return; }
    function track() { return video.textTracks && video.textTracks.length ? video.textTracks[0] : null; }
    toggle.addEventListener("click", function () {
      var t = track();
      if (!t) { return; }
      t.mode = t.mode === "showing" ? "hidden" : "showing";
      toggle.setAttribute("aria-pressed", t.mode === "showing" ? "true" : "false");
    });
    if (video.textTracks) {
      video.textTracks.addEventListener("change", function () {
        var t = track();
        toggle.setAttribute("aria-pressed", t && t.mode === "showing" ? "true" : "false");
      });
    }
  }

  function setUpTranscript() {
    var cues = Array.prototype.slice.call(root.querySelectorAll(".cue"));
    if (!cues.length || !video) { return; }
    cues.forEach(function (button) {
      button.addEventListener("click", function () {
        video.currentTime = Number(button.dataset.start) || 0;
        video.focus();
      });
    });
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      cues.forEach(function (button, i) {
        var next = cues[i + 1];
        var active = now >= Number(button.dataset.start) && (!next || now < Number(next.dataset.start));
        if (active) { button.setAttribute("aria-current", "true"); } else { button.removeAttribute("aria-current"); }
      });
    });
  }

  function startPosition() {
    var match = /[#&]t=(\d+(?:\.\d+)?)/.exec(window.location.hash);
    return match ? Number(match[1]) : Number(root.dataset.position) || 0;
  }

  function setUpResume() {
    var start = startPosition();
    function seekToStart() {
      if (start > 0 && start < (video.duration || Infinity) - 1) { video.currentTime = start; }
    }
    if (video.readyState >= 1) { seekToStart(); } else { video.addEventListener("loadedmetadata", seekToStart, { once: true }); }
  }

  function setUpTracking() {
    var played = [];       // intervals not yet accepted by the server
    var segmentStart = null;
    var lastTime = video.currentTime;
    var seeked = false;
    var sending = false;

    function closeSegment(end) {
      if (segmentStart !== null && end > segmentStart) { played.push([round(segmentStart), round(end)]); }
      segmentStart = null;
    }
    function round(x) { return Math.round(x * 1000) / 1000; }
    function body() {
      if (!video.paused && segmentStart !== null) { closeSegment(video.currentTime); segmentStart = video.currentTime; }
      var report = { position: round(video.currentTime), played: played.slice(0, 500), seek: seeked };
      return report;
    }

    function send() {
      if (sending) { return; }
      var report = body();
      if (!report.played.length && !report.seek) { return; }
      var sentCount = report.played.length;
      sending = true;
      fetch(root.dataset.reportUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(report)
      }).then(function (response) {
        if (!response.ok) { throw new Error("report refused: " + response.status); }
        played.splice(0, sentCount);
        seeked = false;
        return response.json();
      }).then(showProgress).catch(function () { /* keep the intervals; the next report retries */ })
        .then(function () { sending = false; });
    }

    function beacon() {
      var report = body();
      if (!report.played.length && !report.seek) { return; }
      var form = new URLSearchParams();
      form.set("csrf_token", csrf);
      form.set("report", JSON.stringify(report));
      if (navigator.sendBeacon && navigator.sendBeacon(root.dataset.reportUrl, form)) {
        played = [];
        seeked = false;
      }
    }

    var switching = false; // streaming.js is replacing the source (see its header)

    video.addEventListener("lms:switching", function () {
      if (segmentStart !== null) { closeSegment(video.currentTime); }
      switching = true;
    });
    video.addEventListener("lms:switched", function () {
      switching = false;
      lastTime = video.currentTime;
      if (!video.paused) { segmentStart = video.currentTime; }
    });
    video.addEventListener("playing", function () {
      if (switching) { return; }
      segmentStart = video.currentTime; lastTime = video.currentTime;
    });
    video.addEventListener("timeupdate", function () {
      if (switching) { return; }
      var now = video.currentTime;
      // A jump without a seek event (rare) closes the segment at the last known time.
      if (segmentStart !== null && (now < lastTime || now - lastTime > 2 * (video.playbackRate || 1) + 1)) {
        closeSegment(lastTime);
        if (!video.paused) { segmentStart = now; }
      }
      lastTime = now;
    });
    video.addEventListener("seeking", function () {
      if (switching) { return; }
      closeSegment(lastTime); seeked = true;
    });
    video.addEventListener("seeked", function () {
      if (switching) { return; }
      lastTime = video.currentTime;
      if (!video.paused) { segmentStart = video.currentTime; }
      send();
    });
    video.addEventListener("pause", function () {
      if (switching) { return; }
      closeSegment(video.currentTime); send();
    });
    video.addEventListener("ended", function () {
      if (switching) { return; }
      closeSegment(video.duration); send();
    });
    window.addEventListener("pagehide", beacon);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { beacon(); } });
    window.setInterval(function () { if (!video.paused) { send(); } }, REPORT_EVERY_MS);
  }

  function showProgress(result) {
    var bar = document.getElementById("item-progress");
    var text = document.getElementById("item-progress-text");
    if (bar) { bar.value = result.percent; bar.textContent = result.percent + "%"; }
    if (text) {
      text.textContent = result.percent + "% watched" + (result.completed ? " — complete" : "");
    }
    if (result.completed) { refreshCourse(); }
  }

  function refreshCourse() {
    fetch(root.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = document.getElementById("course-progress");
        var text = document.getElementById("course-progress-text");
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
        if (text) { text.textContent = data.percent + "% complete" + (data.completed_at ? " — course complete" : ""); }
        var labels = { not_started: "Not started", in_progress: "In progress", completed: "Completed" };
        data.items.forEach(function (item) {
          var state = document.getElementById("outline-status-" + item.id);
          if (state) { state.textContent = (item.locked ? "Locked" : labels[item.status]) + (item.required ? "" : ", optional"); }
        });
      }).catch(function () { /* the page still shows the last known progress */ });
  }
}());
