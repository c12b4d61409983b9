/* Adaptive streaming for the course player: HLS through hls.js where Media Source
 * Extensions exist, the browser's own HLS elsewhere (Safari, iOS), and the original
 * file as the last fallback. Adds a quality menu (hls.js only) and an "audio only"
 * switch. Captions are <track> elements of the <video>, so every source shows them.
 *
 * Switching source keeps the position and play state. Around a switch the video gets
 * "lms:switching" and then "lms:switched" events, so player.js closes the interval
 * played so far and does not take the reload for a seek: progress is credited for
 * the time watched, whatever rendition plays.
 */
(function () {
  "use strict";

  var video = document.querySelector("[data-player] video[data-hls-src]");
  if (!video) { return; }
  var original = video.getAttribute("src");
  var hlsSrc = video.dataset.hlsSrc;
  var audioHls = video.dataset.audioHlsSrc || "";
  var audioFile = video.dataset.audioFileSrc || "";
  var qualityControl = document.getElementById("quality-control");
  var quality = document.getElementById("quality");
  var audioButton = document.getElementById("audio-only");
  var hls = null;
  var audioOnly = false;
  var mse = !!(window.MediaSource || window.ManagedMediaSource);
  var native = !!video.canPlayType("application/vnd.apple.mpegurl");

  if (mse) {
    loadLibrary(video.dataset.hlsLib, function () {
      if (window.Hls && window.Hls.isSupported()) { useHlsJs(hlsSrc); } else if (native) { useNative(hlsSrc); }
      offerAudioOnly();
    });
  } else {
    if (native) { video.src = hlsSrc; }
    offerAudioOnly();
  }

  function loadLibrary(src, then) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = then;
    script.onerror = then; // the original file keeps playing
    document.head.appendChild(script);
  }

  function useHlsJs(src) {
    if (hls) { hls.destroy(); }
    hls = new window.Hls({ enableWorker: false, capLevelToPlayerSize: true, startLevel: 0,
                           xhrSetup: function (xhr) { xhr.withCredentials = false; } });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function (_event, data) { fillQualities(data.levels); });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (data.fatal) { fallBackToOriginal(); }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  }

  function useNative(src) { video.src = src; }

  function fallBackToOriginal() {
    switchSource(function () {
      if (hls) { hls.destroy(); hls = null; }
      video.src = audioOnly && audioFile ? audioFile : original;
    });
    if (qualityControl) { qualityControl.hidden = true; }
  }

  function fillQualities(levels) {
    if (!quality || !qualityControl) { return; }
    while (quality.options.length > 1) { quality.remove(1); }
    levels.forEach(function (level, index) {
      if (!level.height) { return; }
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = level.height + "p";
      quality.appendChild(option);
    });
    quality.value = "-1";
    qualityControl.hidden = audioOnly || quality.options.length < 2;
  }

  if (quality) {
    quality.addEventListener("change", function () {
      if (hls) { hls.currentLevel = Number(quality.value); }
    });
  }

  function offerAudioOnly() {
    if (!audioButton) { return; }
    var canAudio = (hls && audioHls) || (native && audioHls) || audioFile;
    if (!canAudio) { return; }
    audioButton.hidden = false;
    audioButton.addEventListener("click", function () { setAudioOnly(!audioOnly); });
  }

  function setAudioOnly(on) {
    audioOnly = on;
    audioButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (qualityControl) { qualityControl.hidden = on || !hls; }
    switchSource(function () {
      if (hls) { useHlsJs(on && audioHls ? audioHls : hlsSrc); return; }
      if (native && audioHls) { video.src = on ? audioHls : hlsSrc; return; }
      video.src = on ? audioFile : (native ? hlsSrc : original);
    });
  }

  /* Replace the source, then return to the same moment and play state. */
  function switchSource(load) {
    var position = video.currentTime;
    var playing = !video.paused && !video.ended;
    video.dispatchEvent(new Event("lms:switching"));
    load();
    video.addEventListener("loadedmetadata", function restore() {
      var done = function () {
        video.dispatchEvent(new Event("lms:switched"));
        if (playing) { video.play().catch(function () { /* the member presses play */ }); }
      };
      if (position > 0) {
        video.addEventListener("seeked", done, { once: true });
        video.currentTime = position;
      } else {
        done();
      }
    }, { once: true });
  }
}());
