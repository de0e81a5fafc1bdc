// The camera QR scanner. A page includes, after the other scripts:
//   <script src="{% static 'vendor/jsqr/jsQR.js' %}" defer></script>
//   <script src="{% static 'jifen/scanner.js' %}" defer></script>
// and marks where the camera view goes:
//   <div data-scanner data-scanner-target="#code" data-scanner-submit="true"
//        data-scanner-waiting="{% translate '…' %}" data-scanner-denied="{% translate '…' %}"></div>
// The element gets a <video> of the back camera; a QR code read from it is written into the
// target input and, with data-scanner-submit="true", its form is sent (requestSubmit, so htmx
// forms go through htmx). Without a camera, or without permission, the status line says so
// (data-scanner-denied) and the input stays there to type the code in.
(function () {
  "use strict";

  var SCAN_EVERY_MS = 150;
  var PAUSE_AFTER_READ_MS = 1500;
  // The same text seen again within this time (counted from when it was last seen) is not
  // sent again: a card held in front of the camera is one scan, not one every few seconds.
  var REPEAT_AFTER_MS = 3000;
  var MAX_SIDE = 640; // frames are decoded at this size at most: enough for a card at arm's length

  function setStatus(scanner, text) {
    scanner.status.textContent = text || "";
    scanner.status.hidden = !text;
  }

  function stop(scanner) {
    scanner.stopped = true;
    if (scanner.stream) {
      scanner.stream.getTracks().forEach(function (track) {
        track.stop();
      });
    }
  }

  function refuse(scanner) {
    scanner.video.hidden = true;
    setStatus(scanner, scanner.element.dataset.scannerDenied);
  }

  function frameText(scanner) {
    var video = scanner.video;
    if (video.readyState < 2 || !video.videoWidth) {
      return null;
    }
    var scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var width = Math.round(video.videoWidth * scale);
    var height = Math.round(video.videoHeight * scale);
    var canvas = scanner.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var pixels = context.getImageData(0, 0, width, height);
    var code = window.jsQR(pixels.data, width, height, { inversionAttempts: "dontInvert" });
    return code && code.data ? code.data : null;
  }

  function deliver(scanner, text) {
    var target = scanner.target;
    target.value = text;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.dispatchEvent(new Event("change", { bubbles: true }));
    var form = target.form;
    if (scanner.element.dataset.scannerSubmit === "true" && form) {
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }
  }

  // Returns how long to wait before the next frame.
  function scanOnce(scanner) {
    var text = frameText(scanner);
    if (text === null) {
      return SCAN_EVERY_MS;
    }
    var now = Date.now();
    var repeated = text === scanner.lastText && now - scanner.lastSeenAt < REPEAT_AFTER_MS;
    scanner.lastText = text;
    scanner.lastSeenAt = now;
    if (repeated) {
      return SCAN_EVERY_MS;
    }
    deliver(scanner, text);
    return PAUSE_AFTER_READ_MS;
  }

  function loop(scanner) {
    if (scanner.stopped) {
      return;
    }
    if (!scanner.element.isConnected) {
      stop(scanner); // swapped away (htmx): let the camera go
      return;
    }
    var wait = document.hidden ? SCAN_EVERY_MS : scanOnce(scanner);
    window.setTimeout(function () {
      loop(scanner);
    }, wait);
  }

  function open(scanner) {
    var media = navigator.mediaDevices;
    if (!media || typeof media.getUserMedia !== "function" || typeof window.jsQR !== "function") {
      refuse(scanner); // no camera API (e.g. a page not served over HTTPS), or no decoder
      return;
    }
    media.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(
      function (stream) {
        scanner.stream = stream;
        scanner.video.srcObject = stream;
        scanner.video.play().catch(function () {}); // autoplay of a muted video is allowed
        setStatus(scanner, "");
        loop(scanner);
      },
      function () {
        refuse(scanner);
      }
    );
  }

  function start(element) {
    if (element.dataset.scannerStarted) {
      return;
    }
    element.dataset.scannerStarted = "true";
    var target = document.querySelector(element.dataset.scannerTarget || "");
    if (!target) {
      return;
    }
    var video = document.createElement("video");
    video.muted = true;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.style.width = "100%";
    var status = document.createElement("p");
    status.className = "scanner-status";
    status.setAttribute("role", "status");
    element.appendChild(video);
    element.appendChild(status);
    var scanner = {
      element: element,
      target: target,
      video: video,
      status: status,
      canvas: document.createElement("canvas"),
      stream: null,
      stopped: false,
      lastText: null,
      lastSeenAt: 0,
    };
    setStatus(scanner, element.dataset.scannerWaiting);
    open(scanner);
  }

  function startAll(root) {
    var elements = root.querySelectorAll ? root.querySelectorAll("[data-scanner]") : [];
    Array.prototype.forEach.call(elements, start);
    if (root.matches && root.matches("[data-scanner]")) {
      start(root);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      startAll(document);
    });
  } else {
    startAll(document);
  }
  // Content that htmx swaps in may bring its own scanner.
  document.addEventListener("htmx:load", function (event) {
    startAll(event.target);
  });
})();
