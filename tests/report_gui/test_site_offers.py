"""What the site offers (site.toml `[station] templates` and `hanging_protocols`, validated by
app.config and handed to the window by app.gui) is what the reader gets: the template list,
the template a new report starts on, and the hanging protocol a study opens in."""
from __future__ import annotations

from app.demo import DEMO_READER
from tests.report_gui.helpers import make_window, open_study

REAL_CT = "Lung_Dx-A0001"


def test_offered_template_and_hanging_protocol_are_the_only_ones(qtbot, windows, demo, outbox):
    win = make_window(qtbot, windows, demo.centre, DEMO_READER, outbox=outbox)
    box = win.report_panel.template_box
    assert box.count() == 2 and box.findData("lung-screening-ldct") >= 0     # nothing offered: all
    win.report_panel.offer_templates(("general-ct",))
    win.hanging.offer(("general-ct",))
    assert [box.itemData(i) for i in range(box.count())] == ["general-ct"]
    open_study(qtbot, win, REAL_CT)
    assert win.report_panel.report.template.id == "general-ct"    # the default is not offered
    assert win.hanging.current is not None and win.hanging.current.id == "general-ct"
    # the screening protocol would have opened the chest CT on a 10 mm MIP in the lung window
    assert win.mpr.axial.view.state.slab_mm == 0
    assert "MIP" not in " ".join(win.mpr.axial.view.drawn_texts().values())
