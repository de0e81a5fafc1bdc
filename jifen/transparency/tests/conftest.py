import pytest

from jifen.testing import make_member


@pytest.fixture
def neighbour(community):
    return make_member(community=community, name="邻居")
