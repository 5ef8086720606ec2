"""The Qt-free link between the current and the prior view (viewer/views/link_model.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.prior_pair import prior_pair, prior_registration, prior_volumes, rigid  # noqa: F401
from viewer.tools.window_level import PRESETS, Window
from viewer.views.link_model import ComparisonLink, Side
from viewer.views.navigation import ViewState
from viewer.views.planes import PlaneAxes


def _state(cursor) -> ViewState:
    return ViewState(PlaneAxes.standard("axial"), np.asarray(cursor, float), PRESETS["lung"])


def test_the_prior_follows_through_the_registration_and_back():
    m = rigid(3.0, (4.0, -6.0, 5.0), (0.0, -100.0, -280.0))
    link = ComparisonLink(m)
    current, prior = _state([10.0, 20.0, -250.0]), _state([0.0, 0.0, 0.0])
    current.window, current.zoom = Window(-500, 1400, "custom"), 2.5
    redrawn = []
    assert link.follow(Side.CURRENT, current, prior, apply=redrawn.append)
    assert np.allclose(prior.cursor, (m @ [10.0, 20.0, -250.0, 1.0])[:3])
    assert prior.window == current.window and prior.zoom == 2.5 and redrawn == [prior]
    # and back: the inverse of the registration
    prior.cursor = prior.cursor + [0, 0, 5.0]
    assert link.follow(Side.PRIOR, prior, current)
    assert np.allclose(current.cursor, [10.0, 20.0, -245.0])


def test_unlinked_nothing_follows_and_the_echo_is_stopped():
    link = ComparisonLink()
    a, b = _state([1.0, 2.0, 3.0]), _state([0.0, 0.0, 0.0])
    assert not link.toggle_link()
    assert not link.follow(Side.CURRENT, a, b) and np.allclose(b.cursor, 0)
    link.toggle_link()
    echoes = []
    # the target's redraw notifies its listeners, which ask the link to follow back: refused
    assert link.follow(Side.CURRENT, a, b, apply=lambda s: echoes.append(link.follow(Side.PRIOR, b, a)))
    assert echoes == [False]


def test_swap_and_a_bad_matrix():
    link = ComparisonLink()
    assert link.left() is Side.CURRENT and link.swap() is Side.PRIOR and Side.PRIOR.other is Side.CURRENT
    with pytest.raises(ValueError):
        link.set_matrix(np.full((4, 4), np.nan))


def test_in_coronal_the_registered_nodule_is_on_the_prior_plane(prior_pair, prior_volumes,  # noqa: F811
                                                                prior_registration):  # noqa: F811
    """The pair made from the real chest CT with a known shift and 3° rotation: with both views
    coronal, the cursor on the current's nodule puts the prior's coronal plane through the
    prior's nodule (the registration within 2 mm of the truth there)."""
    from viewer.views.navigation import SliceNavigation

    current, prior = prior_volumes
    assert prior_registration.ok
    link = ComparisonLink(prior_registration.matrix)
    a = ViewState(PlaneAxes.standard("coronal"), np.asarray(prior_pair.nodule_current, float), PRESETS["lung"])
    b = ViewState(PlaneAxes.standard("coronal"), np.zeros(3), PRESETS["lung"])
    nav_b = SliceNavigation(prior.affine, prior.voxels.shape, b)
    assert link.follow(Side.CURRENT, a, b)
    assert np.linalg.norm(b.cursor - prior_pair.nodule_prior) < 2.0
    # the prior's coronal slice is the one holding its nodule (the j index of the truth, within one)
    truth_j = prior.lps_to_index(prior_pair.nodule_prior)[1]
    assert abs(nav_b.slice_index() - truth_j) <= 1.5, (nav_b.slice_index(), truth_j)
    assert np.allclose(link.map_point(b.cursor, Side.PRIOR), prior_pair.nodule_current)

