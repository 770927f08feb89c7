#!/usr/bin/env node
/**
 * Draws the app icon, resources/icon.png (512×512) and resources/icon.svg: a loss curve with a sharp, narrow
 * minimum and a wide, flat one, and a ball resting in the flat one — what SAM and F-SAM look for.
 * No dependencies: a signed-distance rasterizer and a hand-written PNG encoder.
 *
 *   node resources/make-icon.mjs
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const CORNER = 104;
const STROKE = 20;
const TOP = [30, 41, 120]; // indigo
const BOTTOM = [13, 118, 110]; // teal
const CURVE = [255, 255, 255];
const BALL = [251, 191, 36]; // amber

/** The loss over x ∈ [0, 1]: high at the edges, a narrow dip at 0.27, a wide flat-bottomed valley at 0.68. */
function loss(x) {
  const sharp = 0.62 * Math.exp(-(((x - 0.27) / 0.04) ** 2));
  const flat = 0.56 * Math.exp(-(((x - 0.68) / 0.16) ** 6));
  return 0.82 - sharp - flat;
}

const toPixelX = (x) => 96 + x * 320;
const toPixelY = (value) => 420 - value * 300;
const points = [];
for (let i = 0; i <= 320; i++) {
  const x = i / 320;
  points.push([toPixelX(x), toPixelY(loss(x))]);
}
const ballRadius = 32;
const ballCenter = [toPixelX(0.68), toPixelY(loss(0.68)) - ballRadius - STROKE / 2 + 1];

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function roundedSquareDistance(px, py) {
  const half = SIZE / 2 - 8;
  const qx = Math.abs(px - SIZE / 2) - (half - CORNER);
  const qy = Math.abs(py - SIZE / 2) - (half - CORNER);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - CORNER;
}

/** Coverage of a shape from its signed distance (negative inside), antialiased over one pixel. */
const coverage = (distance) => Math.max(0, Math.min(1, 0.5 - distance));
const mix = (under, over, alpha) => under.map((channel, i) => channel + (over[i] - channel) * alpha);

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const px = x + 0.5;
    const py = y + 0.5;
    const background = coverage(roundedSquareDistance(px, py));
    let color = mix(TOP, BOTTOM, py / SIZE);
    let curveDistance = Infinity;
    for (let i = 1; i < points.length; i++) {
      const [ax, ay] = points[i - 1];
      const [bx, by] = points[i];
      if (px < Math.min(ax, bx) - STROKE || px > Math.max(ax, bx) + STROKE) continue;
      curveDistance = Math.min(curveDistance, distanceToSegment(px, py, points[i - 1], points[i]));
    }
    color = mix(color, CURVE, coverage(curveDistance - STROKE / 2));
    color = mix(color, BALL, coverage(Math.hypot(px - ballCenter[0], py - ballCenter[1]) - ballRadius));
    const offset = (y * SIZE + x) * 4;
    pixels[offset] = Math.round(color[0]);
    pixels[offset + 1] = Math.round(color[1]);
    pixels[offset + 2] = Math.round(color[2]);
    pixels[offset + 3] = Math.round(background * 255);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);

const hex = (rgb) => `#${rgb.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
const path = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(TOP)}"/><stop offset="1" stop-color="${hex(BOTTOM)}"/></linearGradient></defs>
  <rect x="8" y="8" width="${SIZE - 16}" height="${SIZE - 16}" rx="${CORNER}" fill="url(#sky)"/>
  <path d="${path}" fill="none" stroke="${hex(CURVE)}" stroke-width="${STROKE}" stroke-linecap="round" stroke-linejoin="round"/>
  <circle cx="${ballCenter[0].toFixed(1)}" cy="${ballCenter[1].toFixed(1)}" r="${ballRadius}" fill="${hex(BALL)}"/>
</svg>
`;
writeFileSync(new URL('./icon.svg', import.meta.url), svg);
console.log(`wrote icon.png (${png.length} bytes) and icon.svg`);
