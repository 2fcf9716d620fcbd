// Decodes the QR code in a PNG file with jsQR (a browser scanner's decoder) and prints its text.
// Usage: node decode_qr.mjs FILE.png. Exits with status 3 (and prints nothing) when no code is found.
import { readFileSync } from "node:fs";
import jsQR from "jsqr";
import { PNG } from "pngjs";

const png = PNG.sync.read(readFileSync(process.argv[2]));
const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
if (code === null) {
  process.stderr.write("no QR code found\n");
  process.exit(3);
}
process.stdout.write(code.data);
