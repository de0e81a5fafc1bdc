import hashlib
import io
import struct
import tracemalloc
import zlib

import pytest
from django.utils import translation
from PIL import ExifTags, Image, ImageCms

from jifen.lib.images import (
    InvalidPhotoPath,
    PhotoNotAnImage,
    PhotoTooLarge,
    PhotoTooManyPixels,
    clean_photo,
    photo_path,
    store_photo,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)


def make_photo(fmt: str = "JPEG", size: tuple[int, int] = (120, 80), **save) -> bytes:
    """A photo with its left half red and its right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def make_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 50.0)
    return exif


def png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk claiming width × height (RGB, 8 bits), an IDAT of a few
    bytes and IEND: what a decompression bomb looks like before its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_a_jpeg_loses_its_exif_and_gps():
    source = make_photo("JPEG", exif=make_exif())
    assert opened(source).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has them

    photo = clean_photo(source)

    assert (photo.format, photo.width, photo.height) == ("JPEG", 120, 80)
    assert dict(opened(photo.content).getexif()) == {}
    assert b"Exif" not in photo.content
    assert b"Phonemaker" not in photo.content


def test_a_jpeg_is_turned_upright_by_its_exif_orientation():
    # Orientation 6: the camera was held a quarter-turn clockwise; shown upright, the left
    # half of the stored pixels is at the top.
    photo = clean_photo(make_photo("JPEG", size=(120, 80), exif=make_exif(orientation=6)))

    upright = opened(photo.content).convert("RGB")
    assert (photo.width, photo.height) == (80, 120)
    assert _near(upright.getpixel((40, 10)), RED)
    assert _near(upright.getpixel((40, 110)), BLUE)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_png_or_webp_stays_in_its_format_without_metadata(fmt):
    source = make_photo(fmt, exif=make_exif())

    photo = clean_photo(source)

    assert (photo.format, opened(photo.content).format) == (fmt, fmt)
    assert (photo.width, photo.height) == (120, 80)
    assert b"Exif" not in photo.content
    assert b"Phonemaker" not in photo.content


def test_the_colour_profile_is_dropped_and_the_colours_kept():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = make_photo("PNG", icc_profile=icc)

    photo = clean_photo(source)

    assert "icc_profile" not in opened(photo.content).info
    assert b"iCCP" not in photo.content
    assert _near(opened(photo.content).convert("RGB").getpixel((10, 10)), RED)


def test_the_format_comes_from_the_content_and_the_result_has_its_hash():
    photo = clean_photo(io.BytesIO(make_photo("PNG")))

    assert photo.format == "PNG"
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()


def test_a_large_photo_is_scaled_down_to_2560_pixels_on_its_long_side():
    photo = clean_photo(make_photo("JPEG", size=(5200, 2600)), max_bytes=20 * 1024 * 1024)

    assert (photo.width, photo.height) == (2560, 1280)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"Nothing to see here, just some text.\n", id="text"),
        pytest.param(make_photo("GIF"), id="gif"),
        pytest.param(make_photo("BMP"), id="bmp"),
        pytest.param(make_photo("JPEG", size=(400, 300))[:-600], id="truncated-jpeg"),
        pytest.param(make_photo("PNG", size=(400, 300))[:-60], id="truncated-png"),
        pytest.param(b"\x00" * 4096, id="nul-bytes"),
        pytest.param(b"", id="empty"),
    ],
)
def test_refuses_what_is_not_a_whole_jpeg_png_or_webp(content):
    with pytest.raises(PhotoNotAnImage) as refused:
        clean_photo(content)

    assert refused.value.code == "photo_not_an_image"


def test_refuses_a_file_over_the_size_limit_without_reading_all_of_it():
    stream = io.BytesIO(b"\xff" * (6 * 1024 * 1024))

    with pytest.raises(PhotoTooLarge) as refused, translation.override("en"):
        clean_photo(stream)

    assert refused.value.code == "photo_too_large"
    assert str(refused.value) == "The photo is larger than 5 MB."
    assert stream.tell() == 5 * 1024 * 1024 + 1


def test_accepts_a_photo_of_exactly_the_size_limit():
    content = make_photo("PNG")

    assert clean_photo(content, max_bytes=len(content)).format == "PNG"
    with pytest.raises(PhotoTooLarge):
        clean_photo(content, max_bytes=len(content) - 1)


def test_refuses_a_decompression_bomb_from_its_header_in_bounded_memory():
    bomb = png_header(100_000, 100_000)
    pillow_blocks = Image.core.get_stats()["new_count"]
    tracemalloc.start()
    try:
        with pytest.raises(PhotoTooManyPixels) as refused:
            clean_photo(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert refused.value.code == "photo_too_many_pixels"
    assert peak < 60 * 1024 * 1024
    assert Image.core.get_stats()["new_count"] == pillow_blocks  # no pixel memory at all


def test_refuses_more_pixels_than_the_limit_before_decoding():
    small = make_photo("JPEG", size=(100, 100))
    pillow_blocks = Image.core.get_stats()["new_count"]

    with pytest.raises(PhotoTooManyPixels):
        clean_photo(png_header(8000, 6000))  # 48 million, under Pillow's own limit
    with pytest.raises(PhotoTooManyPixels):
        clean_photo(small, max_pixels=9_999)
    assert Image.core.get_stats()["new_count"] == pillow_blocks


def test_pillows_bomb_warning_is_a_refusal_even_under_a_higher_limit():
    # 100 million pixels: over Pillow's warning threshold (89 million), under its error one.
    with pytest.raises(PhotoTooManyPixels):
        clean_photo(png_header(10_000, 10_000), max_pixels=10**9)


def test_a_stored_photo_is_found_again_by_its_path(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = clean_photo(make_photo("WEBP"))

    relative = store_photo(photo, folder="claims/2026")

    folder, name = relative.rsplit("/", 1)
    assert folder == "claims/2026"
    assert len(name) == len("0123456789abcdef01234567.webp") and name.endswith(".webp")
    assert photo_path(relative) == (tmp_path / "media" / relative).resolve()
    assert photo_path(relative).read_bytes() == photo.content
    assert [p.name for p in photo_path(relative).parent.iterdir()] == [name]  # no temp file


def test_two_stored_photos_get_different_names(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = clean_photo(make_photo("PNG"))

    assert store_photo(photo, folder="claims") != store_photo(photo, folder="claims")


@pytest.mark.parametrize(
    "relative",
    ["../secret_key", "claims/../../x.jpg", "/etc/passwd", "claims/a\x00.jpg", "", ".", "a\\..\\b"],
)
def test_a_path_leading_outside_the_media_root_is_refused(settings, tmp_path, relative):
    settings.MEDIA_ROOT = tmp_path

    with pytest.raises(InvalidPhotoPath) as refused:
        photo_path(relative)

    assert refused.value.code == "invalid_photo_path"


def test_a_folder_leading_outside_the_media_root_is_refused_and_nothing_written(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = clean_photo(make_photo("PNG"))

    with pytest.raises(InvalidPhotoPath):
        store_photo(photo, folder="../outside")

    assert list(tmp_path.rglob("*")) == []


def test_a_symbolic_link_out_of_the_media_root_is_refused(settings, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "claims").symlink_to(tmp_path)
    settings.MEDIA_ROOT = tmp_path / "media"

    with pytest.raises(InvalidPhotoPath):
        photo_path("claims/x.jpg")


def _near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))
