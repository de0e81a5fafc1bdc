"""A fake camera for browser tests: a YUV4MPEG2 video of a QR code, which Chromium plays as
its camera with `--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE`
(the file must end in .y4m)."""

from pathlib import Path

import segno
from PIL import Image

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def qr_y4m(text: str, path: Path, *, frames: int = 30, size: int = 480) -> Path:
    """Writes `frames` identical frames (size × size pixels, 10 a second) showing the QR code
    of `text` centred on white, and returns `path`. Chromium plays the file in a loop."""
    if size % 2 or size < 64:
        raise ValueError("size must be even (4:2:0 halves it) and at least 64")
    frame = _frame(_qr_image(text, size))
    header = f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n"
    with path.open("wb") as file:
        file.write(header.encode("ascii"))
        for _ in range(frames):
            file.write(b"FRAME\n" + frame)
    return path


def _qr_image(text: str, size: int) -> Image.Image:
    """The code in black on a white square of `size`, each module a whole number of pixels."""
    qr = segno.make_qr(text, error="m")  # never a Micro QR, which phone scanners cannot read
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=QUIET_ZONE)]
    modules = Image.new("L", (len(rows), len(rows)))
    modules.putdata([0 if dark else 255 for row in rows for dark in row])
    scale = size // len(rows)
    if scale < 2:
        raise ValueError(f"a {size}-pixel frame is too small for this much text")
    code = modules.resize((len(rows) * scale, len(rows) * scale), Image.Resampling.NEAREST)
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(code, ((size - code.width) // 2, (size - code.height) // 2))
    return canvas


def _frame(image: Image.Image) -> bytes:
    """One 4:2:0 frame: the luma plane, then both chroma planes at half size, neutral grey
    (the picture is black and white)."""
    chroma = bytes([128]) * ((image.width // 2) * (image.height // 2))
    return image.tobytes() + chroma + chroma
