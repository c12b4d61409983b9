/* Quiz attempt page: save answers as you go, and a countdown screen readers can query.
   The page works without this script: the form posts and the server keeps time. */
(function () {
  "use strict";

  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var status = document.getElementById("quiz-save-status");
  var saveTimer = null;
  var submitting = false;

  function answers() {
    var result = {};
    form.querySelectorAll("fieldset[data-question-id]").forEach(function (set) {
      var id = set.getAttribute("data-question-id");
      var kind = set.getAttribute("data-kind");
      if (kind === "single" || kind === "multiple" || kind === "true_false") {
        result[id] = Array.prototype.map.call(
          set.querySelectorAll("input:checked"), function (input) { return Number(input.value); });
      } else if (kind === "matching") {
        var pairs = {};
        set.querySelectorAll("select[data-pair]").forEach(function (select) {
          pairs[select.getAttribute("data-pair")] = select.value;
        });
        result[id] = pairs;
      } else {
        var input = set.querySelector("input[type=text]");
        result[id] = input ? input.value : "";
      }
    });
    return result;
  }

  function say(text) {
    if (status) { status.textContent = text; }
  }

  function save() {
    saveTimer = null;
    if (submitting) { return; }
    fetch(form.getAttribute("data-save-url"), {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.content : ""},
      body: JSON.stringify({answers: answers()})
    }).then(function (response) {
      if (response.ok) {
        say("Answers saved at " + new Date().toLocaleTimeString() + ".");
      } else {
        say("Your answers could not be saved automatically. Use “Save and continue later”.");
      }
    }).catch(function () {
      say("You seem to be offline: your answers are not saved yet.");
    });
  }

  function later() {
    if (saveTimer) { clearTimeout(saveTimer); }
    saveTimer = setTimeout(save, 800);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
  form.addEventListener("submit", function () { submitting = true; });

  var box = document.getElementById("quiz-timer-box");
  if (!box) { return; }
  var timer = document.getElementById("quiz-timer");
  var alertRegion = document.getElementById("quiz-timer-alert");
  // The server's clock decides; the offset corrects a browser clock that is wrong.
  var offset = Date.parse(box.getAttribute("data-server-now")) - Date.now();
  var deadline = Date.parse(box.getAttribute("data-deadline"));
  var announced = {};

  function left() { return Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000)); }

  function words(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) { parts.push(minutes + (minutes === 1 ? " minute" : " minutes")); }
    if (rest || !minutes) { parts.push(rest + (rest === 1 ? " second" : " seconds")); }
    return parts.join(" ");
  }

  function finish() {
    if (submitting) { return; }
    submitting = true;
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "submit";
    form.appendChild(action);
    form.submit();
  }

  function tick() {
    var seconds = left();
    timer.textContent = "Time left: " + words(seconds);
    [5, 1].forEach(function (minutes) {
      if (seconds <= minutes * 60 && seconds > 0 && !announced[minutes]) {
        announced[minutes] = true;
        alertRegion.textContent = minutes === 1 ? "1 minute left." : minutes + " minutes left.";
      }
    });
    if (seconds <= 0) {
      timer.textContent = "Time is up. Submitting your answers.";
      finish();
      return;
    }
    setTimeout(tick, 1000);
  }

  // Thresholds already behind us when the page opens are not announced late.
  [5, 1].forEach(function (minutes) {
    if (left() <= minutes * 60) { announced[minutes] = true; }
  });
  tick();
}());
