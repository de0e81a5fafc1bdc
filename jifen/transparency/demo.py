"""The demo's log: everything the demo wrote is sealed and signed at once, so proofs work
the moment `make run` prints its URL."""

from jifen.accounts.models import User
from jifen.lib import demo_steps
from jifen.programmes.models import Programme
from jifen.transparency.sequencer import seal_all


@demo_steps.register(order=90)
def seal_the_demo(*, programme: Programme, staff: dict[str, User], seed: int) -> None:
    seal_all()
