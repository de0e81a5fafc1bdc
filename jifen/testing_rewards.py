"""Test helpers for rewards: a store, a reward on its shelf, points to spend."""

from itertools import count

from jifen.ledger import services as ledger
from jifen.programmes.models import Member, Programme
from jifen.rewards import services
from jifen.rewards.models import Reward, RewardKind, Store

_counter = count(1)


def make_store(*, programme: Programme, code: str = "", name: str = "", **fields: object) -> Store:
    n = next(_counter)
    return services.save_store(
        programme=programme,
        actor=None,
        code=code or f"store-{n}",
        name=name or f"积分超市 {n}",
        **fields,  # type: ignore[arg-type]
    )


def make_reward(
    *,
    store: Store,
    name: str = "",
    points: int = 100,
    units: int | None = 10,
    kind: str = RewardKind.GOODS,
    **fields: object,
) -> Reward:
    """A reward offered at `store` with `units` on the shelf (None: unlimited)."""
    reward = services.save_reward(
        programme=store.programme,
        actor=None,
        name=name or f"大米 5kg {next(_counter)}",
        kind=kind,
        points=points,
        **fields,  # type: ignore[arg-type]
    )
    services.restock(
        reward=reward, store=store, actor=None, add=units or 0, unlimited=units is None
    )
    return reward


def give_points(member: Member, amount: int) -> None:
    ledger.award_points(member=member, amount=amount, reason="测试积分")
