"""Image folders: one sub-folder per class, each format, resized, grey or colour, bad folders.

The pictures are written with Pillow, so Qt's reader is checked against another codec.
"""

import numpy as np
import pytest
from PIL import Image

from nnviz import imaging
from nnviz.core import image_folder
from nnviz.core.data_io import FileRequest, load_file
from nnviz.core.design import DesignError
from nnviz.core.image_folder import list_image_folder, set_image_decoder
from nnviz.core.pictures import Picture

FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF"}
RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture(autouse=True)
def qt_decoder():
    imaging.install()
    image_folder._cache.clear()
    yield
    image_folder._cache.clear()


def picture(path, color, size=(12, 8), fmt=None):
    """A picture of `size` (width, height): the left half `color`, the right half white."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste(color, (0, 0, size[0] // 2, size[1]))
    image.save(path, fmt or FORMATS[path.suffix[1:].lower()])
    return path


def folder(root, per_class=3, suffix="png", classes=(("red", RED), ("blue", BLUE))):
    for name, color in classes:
        for i in range(per_class):
            picture(root / name / f"{i}.{suffix}", color)
    return root


def load(root, **choices):
    return load_file("image_folder", FileRequest(root, **choices))


def refused(root, **choices) -> str:
    with pytest.raises(DesignError) as info:
        load(root, **choices)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("suffix", list(FORMATS))
def test_every_format_is_read_with_its_class_from_the_folder(tmp_path, suffix):
    found = load(folder(tmp_path / "pics", suffix=suffix), size=(4, 6))
    assert found.class_names == ("blue", "red") and found.classes == 2
    assert found.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert found.x.shape == (6, 24) and found.picture == Picture(4, 6, ink=False)
    pixels = found.x.reshape(6, 4, 6)
    # the left half is dark (red or blue), the right half white, whatever the codec
    assert np.all(pixels[:, :, 0] < 0.6) and np.all(pixels[:, :, -1] > 0.9)


def test_upper_case_suffixes_and_nested_folders_count(tmp_path):
    root = folder(tmp_path / "pics")
    picture(root / "red" / "more" / "x.PNG", RED)
    (root / "red" / "notes.txt").write_text("not an image")
    (root / ".thumbnails").mkdir()
    picture(root / ".thumbnails" / "a.png", BLUE)
    listing = list_image_folder(root)
    assert listing.classes == ("blue", "red") and listing.counts == (3, 4)


def test_resize_to_the_asked_height_and_width(tmp_path):
    root = folder(tmp_path / "pics")
    found = load(root, size=(3, 10))
    assert found.x.shape == (6, 30) and found.picture == Picture(3, 10, ink=False)
    assert found.feature_names[:2] == ("pixel(0,0)", "pixel(0,1)")
    default = load(root)
    assert default.x.shape == (6, 28 * 28) and default.picture == Picture(28, 28, ink=False)


def test_grey_is_brightness_and_colour_keeps_three_values_per_pixel(tmp_path):
    root = folder(tmp_path / "pics", suffix="png")
    colour = load(root, size=(4, 4), grayscale=False)
    assert colour.x.shape == (6, 48) and colour.picture == Picture(4, 4, channels=3, ink=False)
    assert colour.feature_names[:4] == ("red(0,0)", "green(0,0)", "blue(0,0)", "red(0,1)")
    rgb = colour.x.reshape(6, 4, 4, 3)[:, 0, 0]  # the top-left pixel: the class colour
    assert np.allclose(rgb[colour.y == 1], np.array(RED) / 255, atol=0.02)
    assert np.allclose(rgb[colour.y == 0], np.array(BLUE) / 255, atol=0.02)
    grey = load(root, size=(4, 4))
    expected = np.array(RED) / 255 @ imaging.LUMA
    assert np.allclose(grey.x.reshape(6, 4, 4)[grey.y == 1, 0, 0], expected, atol=0.02)


def test_transparent_pixels_are_white(tmp_path):
    root = folder(tmp_path / "pics")
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    clear.save(root / "red" / "clear.png")
    found = load(root, size=(4, 4))
    assert np.allclose(found.x[found.y == 1][-1], 1.0)  # sorted after 0.png..2.png


def test_unreadable_file_is_named_unless_skipping_is_asked(tmp_path):
    root = folder(tmp_path / "pics")
    (root / "red" / "broken.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    message = refused(root)
    assert message.startswith("pics: cannot read red/broken.jpg as an image (")
    assert message.endswith('fix or remove it, or set "skip_unreadable": true')
    found = load(root, skip_unreadable=True, size=(4, 4))
    assert found.skipped == ("red/broken.jpg",) and len(found.x) == 6


def test_a_class_with_only_unreadable_files_is_refused(tmp_path):
    root = folder(tmp_path / "pics")
    (root / "green").mkdir()
    (root / "green" / "a.png").write_bytes(b"junk")
    message = refused(root, skip_unreadable=True)
    assert message == "pics: class folder 'green' has no readable images"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda root: root.mkdir(), "pics: no class sub-folders; put each class's images in"),
        (
            lambda root: picture(root / "cats" / "a.png", RED),
            "pics: needs at least 2 class sub-folders, found only 'cats'",
        ),
        (
            lambda root: (folder(root), (root / "empty").mkdir()),
            "pics: class folder 'empty' holds no PNG, JPEG, BMP or GIF images",
        ),
        (
            lambda root: (folder(root), (root / "docs").mkdir(), (root / "docs" / "a.txt").touch()),
            "pics: class folder 'docs' holds no PNG, JPEG, BMP or GIF images",
        ),
    ],
)
def test_empty_or_single_class_folders_are_refused(tmp_path, make, expected):
    root = tmp_path / "pics"
    make(root)
    assert refused(root).startswith(expected)


@pytest.mark.parametrize("size", [(0, 5), (5, 257)])
def test_sizes_out_of_range_are_refused(tmp_path, size):
    message = refused(folder(tmp_path / "pics"), size=size)
    assert message == f"dataset.size: height and width must be 1 to 256, got {list(size)}"


def test_without_a_decoder_the_reason_is_clear(tmp_path):
    set_image_decoder(None)
    try:
        assert refused(folder(tmp_path / "pics")).startswith("image_folder: no image decoder here")
    finally:
        imaging.install()  # other tests (and the window's) rely on the installed decoder


def test_progress_counts_every_file_and_a_second_load_is_kept(tmp_path):
    root = folder(tmp_path / "pics")
    seen = []
    first = load(root, size=(4, 4), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]
    seen.clear()
    again = load(root, size=(4, 4), progress=lambda done, total: seen.append((done, total)))
    assert again is first and seen == []
    picture(root / "red" / "new.png", RED)
    assert len(load(root, size=(4, 4)).x) == 7


def test_fields_of_a_design_reach_the_reader(tmp_path):
    from nnviz.core.datasets import make_dataset

    folder(tmp_path / "pics")
    (tmp_path / "pics" / "red" / "torn.png").write_bytes(b"junk")
    spec = {
        "name": "image_folder",
        "path": "pics",
        "size": [3, 4],
        "grayscale": False,
        "skip_unreadable": True,
        "test_fraction": 0.0,
    }
    data = make_dataset(spec, tmp_path)
    assert data.x_train.shape == (6, 36) and data.class_names == ("blue", "red")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("size", [0, 4], "dataset.size[0]: must be an integer from 1 to 256"),
        ("size", [4], "dataset.size: must be [height, width]"),
        ("grayscale", "no", "dataset.grayscale: must be true or false"),
        ("header", True, "dataset.header: does not apply to image_folder"),
        ("task", "regression", "dataset.task: does not apply to image_folder"),
    ],
)
def test_bad_image_fields_name_the_field(tmp_path, field, value, expected):
    from nnviz.core.datasets import make_dataset

    with pytest.raises(DesignError) as info:
        make_dataset({"name": "image_folder", "path": "pics", field: value}, tmp_path)
    assert str(info.value).startswith(expected)


def test_building_a_folders_dataset_reports_each_picture_read(tmp_path):
    from nnviz.core.datasets import make_dataset

    folder(tmp_path / "pics")
    seen = []
    spec = {"name": "image_folder", "path": "pics", "size": [4, 4]}
    make_dataset(spec, tmp_path, lambda done, total: seen.append((done, total)))
    assert seen == [(i, 6) for i in range(1, 7)]


def test_only_a_folder_not_read_yet_needs_decoding(tmp_path):
    from nnviz.core.datasets import make_dataset, needs_decoding

    folder(tmp_path / "pics")
    spec = {"name": "image_folder", "path": "pics", "size": [4, 4]}
    assert needs_decoding(spec, tmp_path)
    make_dataset(spec, tmp_path)
    assert not needs_decoding(spec, tmp_path)
    assert needs_decoding({**spec, "grayscale": False}, tmp_path)  # read differently
    picture(tmp_path / "pics" / "red" / "new.png", RED)
    assert needs_decoding(spec, tmp_path)  # the folder changed
    assert not needs_decoding({"name": "image_folder", "path": "missing"}, tmp_path)
    assert not needs_decoding({"name": "xor"}, tmp_path)
