"""Uploaded photos: checked, turned upright and re-encoded without their metadata before they
are kept, so that a resident's claim never publishes where or with what their photo was taken.

`clean_photo` refuses what is not a JPEG, PNG or WebP photo, reads no more than its size limit
and counts the pixels from the header before anything is decoded (decompression bombs).
`store_photo` writes a cleaned photo under the media root; `photo_path` finds it again."""

import hashlib
import io
import mimetypes
import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol, cast

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageOps

from jifen.lib.errors import DomainError, InvalidInput

PhotoFormat = Literal["JPEG", "PNG", "WEBP"]
FORMATS: tuple[PhotoFormat, ...] = ("JPEG", "PNG", "WEBP")
EXTENSIONS: dict[str, str] = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_SIDE = 2560  # enough for a phone screen at full width and zoom; most photos shrink a lot
SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85},
    "PNG": {},
    "WEBP": {"quality": 85},
}
_SRGB = ImageCms.createProfile("sRGB")


class PhotoTooLarge(DomainError):
    code = "photo_too_large"
    message = _("The photo is larger than %(max)s MB.")
    status = 413


class PhotoNotAnImage(DomainError):
    code = "photo_not_an_image"
    message = _("This file is not a JPEG, PNG or WebP photo.")


class PhotoTooManyPixels(DomainError):
    code = "photo_too_many_pixels"
    message = _("The photo has more than %(max)s million pixels.")


class InvalidPhotoPath(InvalidInput):
    code = "invalid_photo_path"
    message = _("This is not the path of a stored photo.")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CleanPhoto:
    """A photo as it will be kept: re-encoded, upright, at most MAX_SIDE pixels a side, no
    metadata. `sha256` (hex) is of `content`."""

    content: bytes
    format: PhotoFormat
    width: int
    height: int
    sha256: str


def clean_photo(
    data: bytes | Readable,
    *,
    max_bytes: int = 5 * 1024 * 1024,
    max_pixels: int = 40_000_000,
) -> CleanPhoto:
    """The photo in `data` (bytes, or a file open for reading in binary) checked and re-encoded
    in its own format. Raises PhotoTooLarge (more than `max_bytes`), PhotoTooManyPixels (more
    than `max_pixels` by its header) or PhotoNotAnImage (anything else that is not a whole
    JPEG, PNG or WebP image)."""
    raw = _read_at_most(data, max_bytes + 1)
    if len(raw) > max_bytes:
        raise PhotoTooLarge(max=f"{max_bytes / (1024 * 1024):g}")
    image = _decoded(raw, max_pixels)
    content = _encode(image)
    return CleanPhoto(
        content=content,
        format=cast(PhotoFormat, image.format),  # Image.open was given only FORMATS
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def store_photo(photo: CleanPhoto, *, folder: str) -> str:
    """Writes `photo` as <media root>/<folder>/<24 random hex digits>.<extension> and returns
    that path relative to the media root (with "/"), which `photo_path` takes. The file appears
    whole or not at all: it is written beside its place, then renamed into it."""
    relative = f"{folder}/{secrets.token_hex(12)}.{EXTENSIONS[photo.format]}"
    target = photo_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(photo.content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative


def photo_path(relative: str) -> Path:
    """The file under the media root that `relative` (as `store_photo` returned it) names.
    Raises InvalidPhotoPath for anything that could lead outside it: an absolute path, "..",
    a backslash or a NUL character."""
    parts = PurePosixPath(relative).parts
    unsafe = not parts or ".." in parts or "\\" in relative or "\x00" in relative
    if unsafe or PurePosixPath(relative).is_absolute():
        raise InvalidPhotoPath()
    root = Path(settings.MEDIA_ROOT).resolve()
    path = root.joinpath(*parts).resolve()
    if not path.is_relative_to(root) or path == root:  # a symbolic link pointing away
        raise InvalidPhotoPath()
    return path


def photo_response(relative: str, content_type: str | None = None) -> FileResponse:
    """A stored photo as it was kept (re-encoded, without metadata), for the viewer the
    caller checked: never cached by a shared cache, never run as anything but an image.
    Http404 when the path is not a stored photo's or its file is gone."""
    try:
        file = photo_path(relative)
    except InvalidPhotoPath:
        raise Http404 from None
    if not file.is_file():
        raise Http404
    kind = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(file.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _read_at_most(data: bytes | Readable, limit: int) -> bytes:
    if isinstance(data, bytes):
        return data[:limit]
    chunks, size = [], 0
    while size < limit:  # a stream may give fewer bytes than asked before its end
        chunk = data.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _decoded(raw: bytes, max_pixels: int) -> Image.Image:
    """The image upright in the mode it will be saved in, downscaled, with no metadata left.
    Pillow's own bomb warning becomes an error. catch_warnings is process-wide: at worst, a
    thread doing the same at once leaves that one filter in place after both are done."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=FORMATS)
            if image.width * image.height > max_pixels:
                raise PhotoTooManyPixels(max=f"{max_pixels / 1_000_000:g}")
            return _upright_and_small(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise PhotoTooManyPixels(max=f"{max_pixels / 1_000_000:g}") from error
        except (OSError, ValueError, SyntaxError, EOFError, IndexError) as error:
            # What Pillow raises for a file it cannot identify or decode to the end.
            raise PhotoNotAnImage() from error


def _upright_and_small(image: Image.Image) -> Image.Image:
    photo_format = image.format
    if photo_format == "JPEG":  # decode at 1/2, 1/4 or 1/8 when that is still large enough
        image.draft(image.mode, (MAX_SIDE, MAX_SIDE))
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    image = _in_srgb(image, _output_mode(image, photo_format))
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image.info = {}  # EXIF, GPS, XMP, ICC, comments, text chunks: nothing is written back
    image.format = photo_format
    return image


def _output_mode(image: Image.Image, photo_format: str | None) -> str:
    if photo_format == "JPEG":
        return "L" if image.mode == "L" else "RGB"
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La") or "transparency" in image.info
    return "RGBA" if has_alpha else "RGB"


def _in_srgb(image: Image.Image, mode: str) -> Image.Image:
    """The pixels in `mode`, converted from the photo's colour profile to sRGB when it has one,
    so that dropping the profile with the rest of the metadata does not change its colours."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK") and "transparency" not in image.info:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken or mismatched profile: keep the pixels as they are
        if converted is not None:
            return converted
    return image if image.mode == mode else image.convert(mode)


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image.format, **SAVE_OPTIONS[str(image.format)])
    return out.getvalue()
