"""How a sample's values look as a picture: ink for digits, light for a folder's photos."""

import numpy as np
import pytest

from nnviz.core.pictures import Picture


def test_ink_is_dark_where_the_values_are_large_and_stretched_to_the_sample():
    rgb = Picture(1, 3).rgb(np.array([0.0, 0.1, 0.2]))  # a faint stroke still shows
    assert rgb.shape == (1, 3, 3) and rgb.dtype == np.uint8
    assert rgb[0, :, 0].tolist() == [250, 142, 35]
    assert np.all(rgb[..., 0] == rgb[..., 2])  # grey


def test_light_is_drawn_as_the_file_has_it():
    rgb = Picture(1, 3, ink=False).rgb(np.array([0.0, 0.5, 0.9]))
    assert rgb[0, :, 1].tolist() == [0, 128, 230]  # not stretched: 0.9 stays a light grey


def test_light_outside_zero_to_one_is_stretched():
    rgb = Picture(1, 3, ink=False).rgb(np.array([-1.5, 0.0, 1.5]))  # standardized inputs
    assert rgb[0, :, 0].tolist() == [0, 128, 255]


def test_colour_keeps_each_pixels_red_green_blue():
    values = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 1.0])  # a red pixel, then a blue one
    rgb = Picture(1, 2, channels=3, ink=False).rgb(values)
    assert rgb[0].tolist() == [[255, 0, 0], [0, 0, 255]]


def test_a_flat_or_broken_sample_still_draws():
    assert np.all(Picture(2, 2).rgb(np.full(4, 0.3)) == 250)
    assert Picture(2, 2, ink=False).rgb(np.array([np.nan, 0.0, 1.0, 0.5])).shape == (2, 2, 3)


@pytest.mark.parametrize(
    ("picture", "value", "name"),
    [
        (Picture(28, 28), 29, "pixel (1, 1)"),
        (Picture(2, 3, channels=3), 7, "pixel (0, 2) green"),
        (Picture(2, 3, channels=3), 17, "pixel (1, 2) blue"),
    ],
)
def test_every_value_is_named_by_its_pixel(picture, value, name):
    assert picture.value_name(value) == name


def test_feature_names_follow_the_stored_order():
    assert Picture(1, 2).feature_names() == ("pixel(0,0)", "pixel(0,1)")
    assert Picture(1, 2, channels=3).feature_names() == (
        "red(0,0)",
        "green(0,0)",
        "blue(0,0)",
        "red(0,1)",
        "green(0,1)",
        "blue(0,1)",
    )
    assert Picture(4, 5, channels=3).values == len(Picture(4, 5, channels=3).feature_names())
