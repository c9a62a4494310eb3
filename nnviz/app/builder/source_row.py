"""The data group's row for sets that come in two sizes (MNIST): which one, and Download.

"subset" is shipped with nnviz and always there; "full" is read from the user's data folder once
downloaded. Download runs `DownloadDialog` (progress, Cancel, checksums) and, when it succeeds,
switches the design to the full set.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QWidget

from nnviz.app.builder.widgets import ComboBox
from nnviz.app.download_dialog import DownloadDialog
from nnviz.core.downloads import REMOTE_SETS, is_downloaded
from nnviz.core.mnist import BUNDLED

SOURCE_TIPS = {
    "subset": "The 5,000 real MNIST images shipped with nnviz (500 per digit): works offline.",
    "full": "All 70,000 images, read from your data folder once downloaded.",
}


class SourceRow(QWidget):
    """A subset/full choice and a Download button for one downloadable set."""

    sourceChosen = Signal(str)  # noqa: N815 - Qt naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name: str | None = None
        self.source = ComboBox("Which images: the bundled subset or the full, downloaded set.")
        for source, tip in SOURCE_TIPS.items():
            self.source.add(source, source, tip)
        self.download = QPushButton("Download…")
        self.download.setObjectName("downloadData")
        self.download.setToolTip("Download the full data set into your data folder.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.source, 1)
        layout.addWidget(self.download)
        self.source.currentIndexChanged.connect(self._on_source)
        self.download.clicked.connect(self.start_download)
        self._showing = False

    def show_for(self, name: str, source: str) -> None:
        """Show the set's current source and whether its full data is already here."""
        self._showing = True
        self.name = name
        self.source.set_value(source)
        self.source.setEnabled(name in BUNDLED)
        here = is_downloaded(name)
        self.download.setEnabled(not here)
        self.download.setText("Downloaded" if here else "Download…")
        remote = REMOTE_SETS.get(name)
        self.download.setToolTip(
            f"{remote.title} is in your data folder."
            if here
            else f"Download {REMOTE_SETS.description(name)} into your data folder "
            "(checked by SHA-256; resumes if interrupted)."
        )
        self._showing = False

    def _on_source(self) -> None:
        if not self._showing:
            self.sourceChosen.emit(self.source.value())

    def start_download(self) -> None:
        """The download in a window-modal progress dialog; the panel goes on when it ends."""
        dialog = DownloadDialog(self.name, self)
        dialog.ended.connect(self._on_download_ended)
        dialog.start()
        dialog.open()

    def _on_download_ended(self, outcome: str) -> None:
        self.show_for(self.name, self.source.value())
        if outcome == "":
            self.sourceChosen.emit("full")
        elif outcome != "cancelled":
            QMessageBox.warning(self, "Download failed", outcome)
