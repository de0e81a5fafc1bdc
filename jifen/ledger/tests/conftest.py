import pytest

from jifen.ledger.accounts import policy_of
from jifen.testing import make_member


@pytest.fixture
def policy(programme):
    return policy_of(programme)


@pytest.fixture
def neighbour(community):
    return make_member(community=community, name="邻居")
