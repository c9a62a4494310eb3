"""The gallery: every file in resources/examples is listed, in order, and is a sound design."""

import shutil

import pytest

from nnviz.core import examples
from nnviz.core.design import DesignError, load_design
from nnviz.core.examples import (
    GALLERY_ORDER,
    Example,
    example_path,
    list_examples,
    load_example,
)
from nnviz.core.trainer import Trainer

FILES = sorted(path.stem for path in examples.examples_dir().glob("*.json"))


def test_every_file_in_the_folder_is_listed_in_gallery_order():
    names = [example.name for example in list_examples()]
    assert sorted(names) == FILES
    assert names == [name for name in GALLERY_ORDER if name in FILES] + sorted(
        set(FILES) - set(GALLERY_ORDER)
    )


def test_the_gallery_holds_every_ordered_example():
    assert set(GALLERY_ORDER) <= set(FILES)


def test_a_file_missing_from_the_order_is_listed_after_the_others(tmp_path, monkeypatch):
    for name in ("xor", "circle"):
        shutil.copy(example_path(name), tmp_path / f"{name}.json")
    shutil.copy(example_path("xor"), tmp_path / "b_extra.json")
    shutil.copy(example_path("xor"), tmp_path / "a_extra.json")
    (tmp_path / "notes.txt").write_text("not a design")
    monkeypatch.setattr(examples, "examples_dir", lambda: tmp_path)
    names = [example.name for example in list_examples()]
    assert names == ["xor", "circle", "a_extra", "b_extra"]


@pytest.mark.parametrize("example", list_examples(), ids=lambda example: example.name)
def test_example_is_a_described_valid_design(example: Example):
    design = load_design(example.path)
    assert example.path == example_path(example.name)
    assert example.title == design.meta["title"] == design.name
    assert example.description == design.meta["description"]
    # one paragraph a student reads: what to watch, why it happens, what to try
    assert "\n" not in example.description
    assert len(example.description) > 300
    assert "Try" in example.description
    trainer = Trainer(load_example(example.name))  # its data is made and fits the network
    assert trainer.data.n_features == design.inputs


def test_unknown_example_lists_the_valid_names():
    with pytest.raises(DesignError) as caught:
        load_example("spirals")
    message = str(caught.value)
    assert "'spirals'" in message and "\n" not in message
    assert all(name in message for name in FILES)


def test_a_path_is_not_an_example_name():
    with pytest.raises(DesignError, match="no example named"):
        example_path("../examples/xor")
