// qr.js: QR codes read in the page, for the wallet's "approve" (a relying
// party's netid:// link) and anything else it scans. Decoding is jsQR's
// (vendor/jsqr, loaded first as a classic script: <script
// src="/wallet/static/vendor/jsqr/jsQR.js">, or by loadDecoder); nothing
// leaves the browser.
//
//   loadDecoder()                   → loads vendor/jsqr once; a failed load
//                                     is tried again on the next call
//   decodeImageData(imageData)      → the code's text, or null
//   decodeImage(img)                → the same for an <img> or ImageBitmap
//   scanVideo(video, onText, opts)  → reads frames of a playing <video>
//                                     (e.g. a getUserMedia camera stream)
//                                     until onText returns true or the
//                                     returned stop() is called
//
// A code that is not UTF-8 text, or no code, is null.

let decoderLoaded = null;

export function loadDecoder() {
  if (!decoderLoaded) {
    decoderLoaded = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = "/wallet/static/vendor/jsqr/jsQR.js";
      s.onload = resolve;
      s.onerror = () => {
        decoderLoaded = null;
        reject(new Error("jsQR did not load"));
      };
      document.head.append(s);
    });
  }
  return decoderLoaded;
}

function jsQR() {
  const f = globalThis.jsQR;
  if (typeof f !== "function") {
    throw new Error("qr.js needs vendor/jsqr/jsQR.js loaded first");
  }
  return f;
}

export function decodeImageData(imageData) {
  const code = jsQR()(imageData.data, imageData.width, imageData.height, { inversionAttempts: "attemptBoth" });
  if (!code || typeof code.data !== "string" || code.data === "") {
    return null;
  }
  return code.data;
}

function canvasFor(width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas.getContext("2d", { willReadFrequently: true });
}

export function decodeImage(img) {
  const width = img.naturalWidth || img.width;
  const height = img.naturalHeight || img.height;
  if (!width || !height) {
    return null;
  }
  const ctx = canvasFor(width, height);
  ctx.drawImage(img, 0, 0);
  return decodeImageData(ctx.getImageData(0, 0, width, height));
}

// scanVideo reads a frame every opts.interval milliseconds (default 150), at
// most opts.maxSide pixels on its longer side (default 800), and calls
// onText with each decoded text until it returns true.
export function scanVideo(video, onText, opts = {}) {
  const interval = opts.interval ?? 150;
  const maxSide = opts.maxSide ?? 800;
  let stopped = false;
  let timer = null;
  const tick = () => {
    if (stopped) {
      return;
    }
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w && h) {
      const scale = Math.min(1, maxSide / Math.max(w, h));
      const cw = Math.round(w * scale);
      const ch = Math.round(h * scale);
      const ctx = canvasFor(cw, ch);
      ctx.drawImage(video, 0, 0, cw, ch);
      const text = decodeImageData(ctx.getImageData(0, 0, cw, ch));
      if (text !== null && onText(text) === true) {
        stopped = true;
        return;
      }
    }
    timer = setTimeout(tick, interval);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
