"""Read QR codes with two independent decoders, as door scanners would.

- ``decode_with_zbar``: ZBar's ``zbarimg`` (Debian's ``zbar-tools``), the decoder of many Linux and
  kiosk scanner apps; reads PNG, JPEG and the other formats it knows, and finds every code in an image.
- ``decode_with_jsqr``: jsQR (npm), the decoder of browser-based scanner pages, run by
  ``tests/js/decode_qr.mjs`` on a PNG.

A missing decoder is an error that says how to install it, never a skip.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "decode_qr.mjs"
ZBAR_HINT = "install Debian's zbar-tools (apt-get install zbar-tools), as `make verifiers` does"
JS_HINT = "run `npm ci --prefix tests/js` (needs Node 20+)"


class QrDecoderUnavailableError(RuntimeError):
    """A decoder the tests rely on is not installed."""


class QrDecodeError(RuntimeError):
    """The decoder failed (not: found no code)."""


def _as_file(image: bytes | Path, suffix: str, tmp: str) -> Path:
    if isinstance(image, Path):
        return image
    path = Path(tmp) / f"image{suffix}"
    path.write_bytes(image)
    return path


def _suffix(image: bytes | Path) -> str:
    if isinstance(image, Path):
        return image.suffix
    return ".jpg" if image[:3] == b"\xff\xd8\xff" else ".png"


def decode_with_zbar(image: bytes | Path, *, timeout: float = 60.0) -> list[str]:
    """The text of every QR code ZBar finds in ``image`` (bytes or a file), in its order; [] if none."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        raise QrDecoderUnavailableError(f"zbarimg is not on PATH; {ZBAR_HINT}")
    with tempfile.TemporaryDirectory() as tmp:
        path = _as_file(image, _suffix(image), tmp)
        completed = subprocess.run(
            [zbarimg, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    if completed.returncode == 4:  # zbarimg: no symbol found
        return []
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise QrDecodeError(f"zbarimg failed (exit {completed.returncode}):\n{stderr}")
    return completed.stdout.decode("utf-8").splitlines()


def decode_with_jsqr(png: bytes | Path, *, timeout: float = 60.0) -> str | None:
    """The text of the QR code jsQR finds in the PNG ``png`` (bytes or a file), or None."""
    node = shutil.which("node")
    if node is None:
        raise QrDecoderUnavailableError(f"node is not on PATH; install Node.js, then {JS_HINT}")
    if not (JS_DIR / "node_modules" / "jsqr").is_dir() or not (JS_DIR / "node_modules" / "pngjs").is_dir():
        raise QrDecoderUnavailableError(f"jsqr and pngjs are not installed in {JS_DIR / 'node_modules'}; {JS_HINT}")
    with tempfile.TemporaryDirectory() as tmp:
        path = _as_file(png, ".png", tmp)
        completed = subprocess.run(
            [node, str(SCRIPT), str(path)], capture_output=True, cwd=JS_DIR, timeout=timeout, check=False
        )
    if completed.returncode == 3:  # decode_qr.mjs: no code found
        return None
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()
        raise QrDecodeError(f"jsQR failed (exit {completed.returncode}):\n{stderr}")
    return completed.stdout.decode("utf-8")
