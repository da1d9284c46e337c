"""Images from clients: bytes in (with size and pixel limits checked before decoding), RGB out,
and encoded frames back. Used by the studio's HTTP API and WebSocket; no web framework here.
"""
from __future__ import annotations

import struct

import numpy as np

from ..errors import InputError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024   # a 24 MP JPEG fits; the pixel limit is what bounds the work
MAX_PIXELS = 4096 * 4096
MAX_SIDE = 8192
MAX_FRAME_BYTES = 2 * 1024 * 1024     # one camera frame over the WebSocket
MAX_FRAME_PIXELS = 1920 * 1080


class TooLarge(InputError):
    """An upload over the byte or pixel limit (HTTP 413)."""


def sniff_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG or JPEG header without decoding; None for other formats
    or a header that cannot be read (the decoder then decides)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):   # walk the markers up to the first start-of-frame
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if i + 9 > len(data):
                return None
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def decode_image(data: bytes, what: str = "image", max_bytes: int = MAX_UPLOAD_BYTES,
                 max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Encoded image bytes -> HxWx3 uint8 RGB. TooLarge over the limits (checked on the header
    first, so a decompression bomb is never decoded), InputError when it is not a decodable image."""
    import cv2

    if not data:
        raise InputError(f"{what}: empty upload")
    if len(data) > max_bytes:
        raise TooLarge(f"{what}: {len(data)} bytes; at most {max_bytes}")
    size = sniff_size(data)
    if size is not None:
        _check_pixels(what, *size, max_pixels)
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.ndim != 3 or img.size == 0:
        raise InputError(f"{what}: not an image that can be decoded (PNG, JPEG, WebP, BMP)")
    _check_pixels(what, img.shape[1], img.shape[0], max_pixels)
    return np.ascontiguousarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))


def _check_pixels(what: str, w: int, h: int, max_pixels: int) -> None:
    if w < 1 or h < 1:
        raise InputError(f"{what}: {w}x{h} pixels")
    if w * h > max_pixels or max(w, h) > MAX_SIDE:
        raise TooLarge(f"{what}: {w}x{h} pixels; at most {max_pixels} pixels and {MAX_SIDE} on a side")


def encode(rgb: np.ndarray, fmt: str = ".png", quality: int = 85) -> bytes:
    """HxWx3 uint8 RGB -> PNG or JPEG bytes."""
    import cv2

    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)] if fmt == ".jpg" else [cv2.IMWRITE_PNG_COMPRESSION, 1]
    ok, buf = cv2.imencode(fmt, cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise RuntimeError(f"cannot encode a {rgb.shape} image as {fmt}")
    return buf.tobytes()
