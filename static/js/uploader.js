/*
 * Resumable uploads for Core Learning (templates/media/_uploader.html).
 *
 * Protocol (API.md, Media): POST /api/v1/uploads -> {media_id, part_size, part_count};
 * for each part POST .../parts/n -> {url, method, headers}, then PUT the bytes there
 * (a presigned S3 URL, or the app's own endpoint in local mode) and keep the ETag;
 * POST .../complete with every {number, etag}. Up to four parts travel at once, a
 * failed part is retried with exponential back-off, and the media id is remembered
 * in localStorage so a reload or a lost connection resumes from the stored parts.
 */
(function () {
  "use strict";

  var PARALLEL = 4;
  var MAX_TRIES = 6;
  var ANNOUNCE_EVERY_MS = 10000;
  var STORE_PREFIX = "lms-upload:";
  var TYPES = {
    mp4: "video/mp4", m4v: "video/mp4", webm: "video/webm", mp3: "audio/mpeg",
    m4a: "audio/mp4", pdf: "application/pdf", vtt: "text/vtt", srt: "application/x-subrip",
    pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg"
  };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function sameOrigin(url) {
    return new URL(url, window.location.href).origin === window.location.origin;
  }

  function typeOf(file) {
    var ext = file.name.split(".").pop().toLowerCase();
    return TYPES[ext] || file.type || "application/octet-stream";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  function backoff(attempt) {
    var base = Math.min(30000, 500 * Math.pow(2, attempt));
    return base / 2 + Math.random() * base / 2;
  }

  function retryable(error) {
    return !error.status || error.status >= 500 || error.status === 408 || error.status === 429;
  }

  function httpError(status, message) {
    var error = new Error(message);
    error.status = status;
    return error;
  }

  function readError(status, text) {
    try {
      var body = JSON.parse(text);
      return httpError(status, body.detail || body.title || "HTTP " + status);
    } catch (e) {
      return httpError(status, "The server answered " + status + ".");
    }
  }

  /* JSON calls to our own API; writes carry the CSRF token of the session. */
  function api(method, url, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET") { headers["X-CSRFToken"] = csrfToken(); }
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) { throw readError(response.status, text); }
        return text ? JSON.parse(text) : null;
      });
    }, function () {
      throw httpError(0, "The connection was lost.");
    });
  }

  function formatBytes(bytes) {
    var units = ["bytes", "KB", "MB", "GB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
    return (unit === 0 ? value : value.toFixed(1)) + " " + units[unit];
  }

  function formatSeconds(seconds) {
    if (!isFinite(seconds)) { return "calculating"; }
    var s = Math.max(1, Math.round(seconds));
    if (s < 60) { return "about " + s + " s"; }
    var m = Math.floor(s / 60);
    if (m < 60) { return "about " + m + " min " + (s % 60) + " s"; }
    return "about " + Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function Uploader(root) {
    this.root = root;
    this.uploadsUrl = root.getAttribute("data-uploads-url");
    this.input = root.querySelector('input[type="file"]');
    this.startButton = root.querySelector("[data-uploader-start]");
    this.cancelButton = root.querySelector("[data-uploader-cancel]");
    this.progressBox = root.querySelector("[data-uploader-progress]");
    this.bar = root.querySelector("[data-uploader-bar]");
    this.figures = root.querySelector("[data-uploader-figures]");
    this.announcer = root.querySelector("[data-uploader-announce]");
    this.errorBox = root.querySelector("[data-uploader-error]");
    this.doneBox = root.querySelector("[data-uploader-done]");
    this.requests = [];
    this.busy = false;
    var self = this;
    if (root.tagName === "FORM") {
      root.addEventListener("submit", function (event) { event.preventDefault(); self.start(); });
    } else {
      this.embed();
    }
    this.cancelButton.addEventListener("click", function () { self.cancel(); });
  }

  /*
   * Inside another form (the studio's item form): the file uploads as soon as it is
   * chosen, and the form neither re-sends its bytes nor saves while parts are moving.
   */
  Uploader.prototype.embed = function () {
    var self = this;
    this.input.removeAttribute("name");
    this.startButton.hidden = false;
    this.startButton.addEventListener("click", function () { self.start(); });
    this.input.addEventListener("change", function () {
      if (self.input.files && self.input.files.length) { self.start(); }
    });
    var form = this.root.closest("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        if (!self.busy) { return; }
        event.preventDefault();
        self.errorBox.textContent = "Wait until " + self.file.name +
          " has uploaded (or cancel its upload), then save again.";
      });
    }
  };

  Uploader.prototype.start = function () {
    var file = this.input.files && this.input.files[0];
    if (this.busy) { return; }
    if (!file) { this.fail(httpError(400, "Choose a file first.")); return; }
    this.reset(file);
    var self = this;
    this.run(file).then(function (media) {
      self.finish(media);
    }, function (error) {
      if (!self.cancelled) { self.fail(error); }
    });
  };

  Uploader.prototype.reset = function (file) {
    this.busy = true;
    this.cancelled = false;
    this.file = file;
    this.key = STORE_PREFIX + [file.name, file.size, file.lastModified].join(":");
    this.inflight = {};
    this.doneBytes = 0;
    this.resumedBytes = 0;
    this.upload = null;
    this.startedAt = performance.now();
    this.lastAnnounce = 0;
    this.errorBox.textContent = "";
    this.doneBox.textContent = "";
    this.progressBox.hidden = false;
    this.cancelButton.hidden = false;
    this.startButton.disabled = true;
    this.show(0, "Starting…");
    this.announce("Upload of " + file.name + " started.");
  };

  Uploader.prototype.run = function (file) {
    var self = this;
    return this.session(file).then(function (upload) {
      self.upload = upload;
      if (self.cancelled) {
        /* Cancelled while the upload was being created: drop it now. */
        return api("DELETE", self.uploadUrl()).then(function () { throw httpError(0, "cancelled"); });
      }
      var todo = [];
      for (var n = 1; n <= upload.part_count; n += 1) {
        if (!upload.stored[n]) { todo.push(n); }
      }
      self.etags = upload.stored;
      self.doneBytes = Object.keys(upload.stored).reduce(function (sum, n) {
        return sum + self.partBlob(Number(n)).size;
      }, 0);
      self.resumedBytes = self.doneBytes;
      self.update();
      var workers = [];
      for (var w = 0; w < Math.min(PARALLEL, todo.length); w += 1) {
        workers.push(self.worker(todo));
      }
      return Promise.all(workers);
    }).then(function () {
      if (self.cancelled) { throw httpError(0, "cancelled"); }
      self.show(100, "Checking the file…");
      var parts = Object.keys(self.etags).map(function (n) {
        return { number: Number(n), etag: self.etags[n] };
      });
      return self.complete(parts, 0);
    });
  };

  /* Joining a multi-GB file can outlast a request; the server finishes a retried one. */
  Uploader.prototype.complete = function (parts, attempt) {
    var self = this;
    return api("POST", this.uploadUrl() + "/complete", { parts: parts }).catch(function (error) {
      if (self.cancelled || attempt + 1 >= MAX_TRIES || !retryable(error)) { throw error; }
      self.figures.textContent = "Still checking the file…";
      return sleep(backoff(attempt + 2)).then(function () { return self.complete(parts, attempt + 1); });
    });
  };

  /* Resume the remembered upload of this very file, or start a new one. */
  Uploader.prototype.session = function (file) {
    var self = this;
    var remembered = window.localStorage.getItem(this.key);
    var resume = remembered ? api("GET", this.uploadsUrl + "/" + remembered).then(function (s) {
      if (s.status !== "pending" || s.size !== file.size) { return null; }
      var stored = {};
      s.parts.forEach(function (p) { stored[p.number] = p.etag; });
      if (s.parts.length) { self.announce("Resuming: " + s.parts.length + " parts already stored."); }
      return { media_id: s.media_id, part_size: s.part_size, part_count: s.part_count, stored: stored };
    }, function (error) {
      if (error.status === 404 || error.status === 400) { return null; }
      throw error;
    }) : Promise.resolve(null);
    return resume.then(function (upload) {
      if (upload) { return upload; }
      window.localStorage.removeItem(self.key);
      return api("POST", self.uploadsUrl, {
        filename: file.name, content_type: typeOf(file), size: file.size
      }).then(function (created) {
        window.localStorage.setItem(self.key, String(created.media_id));
        created.stored = {};
        return created;
      });
    });
  };

  Uploader.prototype.uploadUrl = function () {
    return this.uploadsUrl + "/" + this.upload.media_id;
  };

  Uploader.prototype.partBlob = function (n) {
    var start = (n - 1) * this.upload.part_size;
    return this.file.slice(start, Math.min(start + this.upload.part_size, this.file.size));
  };

  Uploader.prototype.worker = function (todo) {
    var self = this;
    function next() {
      if (self.cancelled || !todo.length) { return Promise.resolve(); }
      var n = todo.shift();
      return self.sendPart(n, 0).then(next);
    }
    return next();
  };

  Uploader.prototype.sendPart = function (n, attempt) {
    var self = this;
    return api("POST", this.uploadUrl() + "/parts/" + n).then(function (target) {
      return self.put(n, target);
    }).then(function (etag) {
      self.etags[n] = etag;
      delete self.inflight[n];
      self.doneBytes += self.partBlob(n).size;
      self.update();
    }, function (error) {
      delete self.inflight[n];
      self.update();
      if (self.cancelled || attempt + 1 >= MAX_TRIES || !retryable(error)) { throw error; }
      self.figures.textContent = "Part " + n + " failed; retrying…";
      return sleep(backoff(attempt)).then(function () { return self.sendPart(n, attempt + 1); });
    });
  };

  /* PUT one part with XMLHttpRequest, which reports upload progress (fetch does not). */
  Uploader.prototype.put = function (n, target) {
    var self = this;
    var blob = this.partBlob(n);
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      self.requests.push(xhr);
      xhr.open(target.method || "PUT", target.url);
      Object.keys(target.headers || {}).forEach(function (name) {
        xhr.setRequestHeader(name, target.headers[name]);
      });
      if (sameOrigin(target.url)) {
        xhr.setRequestHeader("X-CSRFToken", csrfToken());
      }
      xhr.upload.onprogress = function (event) {
        self.inflight[n] = event.loaded;
        self.update();
      };
      xhr.onload = function () {
        self.requests.splice(self.requests.indexOf(xhr), 1);
        var etag = xhr.getResponseHeader("ETag");
        if (xhr.status >= 200 && xhr.status < 300 && etag) {
          resolve(etag.replace(/^W\//, "").replace(/"/g, ""));
        } else if (xhr.status >= 200 && xhr.status < 300) {
          reject(httpError(400, "The store did not expose the ETag header (run: flask lms storage init)."));
        } else {
          reject(readError(xhr.status, xhr.responseText));
        }
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = function () {
        self.requests.splice(self.requests.indexOf(xhr), 1);
        reject(httpError(0, "The connection was lost while sending part " + n + "."));
      };
      xhr.send(blob);
    });
  };

  Uploader.prototype.update = function () {
    var total = this.file.size || 1;
    var moving = 0;
    var self = this;
    Object.keys(this.inflight).forEach(function (n) { moving += self.inflight[n]; });
    var sent = Math.min(total, this.doneBytes + moving);
    var percent = Math.floor(sent * 100 / total);
    var elapsed = (performance.now() - this.startedAt) / 1000;
    var fresh = Math.max(0, sent - this.resumedBytes);
    var speed = elapsed > 0.5 ? fresh / elapsed : 0;
    var left = speed > 0 ? (total - sent) / speed : Infinity;
    this.show(percent, percent + "% · " + formatBytes(speed) + "/s · " + formatSeconds(left) + " left");
    var now = performance.now();
    if (now - this.lastAnnounce > ANNOUNCE_EVERY_MS) {
      this.lastAnnounce = now;
      this.announce(percent + " percent uploaded, " + formatSeconds(left) + " left.");
    }
  };

  Uploader.prototype.show = function (percent, text) {
    this.bar.value = percent;
    this.bar.textContent = percent + "%";
    this.figures.textContent = text;
  };

  Uploader.prototype.announce = function (text) {
    this.announcer.textContent = text;
  };

  Uploader.prototype.finish = function (media) {
    window.localStorage.removeItem(this.key);
    this.idle();
    this.show(100, "100% · upload complete");
    var message = "Upload complete: " + media.filename + " (media id " + media.id + ").";
    var chosen = this.fillTarget(media);
    if (chosen) { message += " It is now chosen as the " + chosen + "."; }
    this.doneBox.textContent = message;
    this.announce(message);
    this.root.dispatchEvent(new CustomEvent("lms:media-uploaded", { bubbles: true, detail: media }));
  };

  /* Put the new media id in the target field; returns that field's label, lower-cased. */
  Uploader.prototype.fillTarget = function (media) {
    var target = document.getElementById(this.root.getAttribute("data-target") || "");
    if (!target) { return ""; }
    if (target.tagName === "SELECT" && !target.querySelector('option[value="' + media.id + '"]')) {
      var waiting = media.status === "ready" ? "" : " (" + media.status + ")";
      target.appendChild(new Option(media.filename + waiting, String(media.id)));
    }
    target.value = String(media.id);
    target.dispatchEvent(new Event("change", { bubbles: true }));
    var label = target.labels && target.labels[0];
    return label ? label.textContent.trim().toLowerCase() : "";
  };

  Uploader.prototype.fail = function (error) {
    var keep = retryable(error);
    if (!keep && this.key) { window.localStorage.removeItem(this.key); }
    this.idle();
    this.errorBox.textContent = (error.message || "The upload failed.") +
      (keep ? " Choose the same file and press Upload to carry on where it stopped." : "");
  };

  Uploader.prototype.cancel = function () {
    this.cancelled = true;
    this.requests.slice().forEach(function (xhr) { xhr.abort(); });
    var self = this;
    var done = function () {
      window.localStorage.removeItem(self.key);
      self.idle();
      self.show(0, "");
      self.progressBox.hidden = true;
      self.announce("Upload cancelled.");
      self.doneBox.textContent = "Upload cancelled.";
    };
    if (this.upload) {
      api("DELETE", this.uploadUrl()).then(done, done);
    } else {
      done();
    }
  };

  Uploader.prototype.idle = function () {
    this.busy = false;
    this.startButton.disabled = false;
    this.cancelButton.hidden = true;
  };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-uploader]"), function (root) {
      if (!root.lmsUploader) { root.lmsUploader = new Uploader(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
