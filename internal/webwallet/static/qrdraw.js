// qrdraw.js: QR codes drawn in the page, with the vendored
// qrcode-generator 2.0.4 (vendor/qrcode-generator, MIT).
//
//   drawQR(canvas, text, {level, pixels}) draws text (ASCII: a payload or
//       a URL) as a QR code in byte mode onto canvas: black modules on
//       white with the four-module quiet zone a scanner needs, each
//       module a whole number of pixels so that the code stays sharp,
//       about pixels wide (default 480). level is the error correction
//       level (default "M"). Returns the number of modules per side.
//
// The canvas is sized by its attributes; its displayed size is the page's
// style sheet's (no inline style).

import qrcode from "./vendor/qrcode-generator/qrcode.mjs";

const QUIET = 4;

export function drawQR(canvas, text, { level = "M", pixels = 480 } = {}) {
  const q = qrcode(0, level);
  q.addData(text, "Byte");
  q.make();
  const n = q.getModuleCount();
  const side = n + 2 * QUIET;
  const scale = Math.max(2, Math.floor(pixels / side));
  canvas.width = side * scale;
  canvas.height = side * scale;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#000";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (q.isDark(r, c)) ctx.fillRect((c + QUIET) * scale, (r + QUIET) * scale, scale, scale);
    }
  }
  return n;
}
