"""What the demo's programmes share: rules from a table, staff roles taken by consent, a
village's households, drawn photos, and refusals that a real resident would be told of."""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from PIL import Image, ImageDraw

from jifen.accounts.models import User
from jifen.earning import services
from jifen.earning.models import Rule
from jifen.lib import clock
from jifen.lib.errors import DomainError
from jifen.lib.images import CleanPhoto, clean_photo
from jifen.programmes import services as programmes
from jifen.programmes.demo import GIVEN, PHONE_PREFIXES, RESIDENT_PHONE, SURNAMES
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    Programme,
    ProgrammeWalletLevel,
    RoleKind,
)
from jifen.programmes.staff import offer_role

T = TypeVar("T")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    category: str
    kind: str
    config: dict[str, Any]
    claims: bool = False  # residents claim it and a reviewer checks each (经核实)
    notice_days: int = 0
    devices: bool = False
    description: str = ""


def attempt(action: Callable[[], T]) -> T | None:
    """The action, or None when a service refuses it (a real resident would be told why)."""
    try:
        with transaction.atomic():
            return action()
    except DomainError:
        return None


def create_rules(programme: Programme, specs: list[RuleSpec], actor: User) -> dict[str, Rule]:
    return {
        s.code: services.create_rule(
            programme=programme,
            code=s.code,
            kind=s.kind,
            config=s.config,
            actor=actor,
            name=s.name,
            category=s.category,
            description=s.description,
            allows_claims=s.claims,
            requires_review=s.claims,
            notice_days=s.notice_days,
            allows_devices=s.devices,
        )
        for s in specs
    }


def new_programme(admin: User, name: str, slug: str, description: str) -> Programme:
    """A village's or a county's programme: one card per household (一户一档)."""
    return programmes.create_programme(
        actor=admin,
        name=name,
        slug=slug,
        description=description,
        default_language="zh-hans",
        timezone="Asia/Shanghai",
        currency_name="积分",
        money_currency="CNY",
        wallet_level=ProgrammeWalletLevel.HOUSEHOLD,
    )


def offer_roles(programme: Programme, staff: dict[str, User], clerk_of: Community) -> None:
    """The demo's staff take a role here too, by consent as anyone would (the admin made
    the programme); the organizer is the points clerk (积分管理员) of `clerk_of`."""
    admin = staff[RoleKind.ADMIN]
    for kind in (RoleKind.ORGANIZER, RoleKind.REVIEWER, RoleKind.AUDITOR):
        user = staff[kind]
        _offer, secret = offer_role(
            actor=admin,
            programme=programme,
            user=user,
            login=user.username,
            kind=kind,
            community=clerk_of if kind == RoleKind.ORGANIZER else None,
        )
        programmes.accept_role_offer(secret=secret, user=user)


def settle(rng: random.Random, community: Community, groups: dict[str, int]) -> list[list[Member]]:
    """A village's households ({group: how many}; "" numbers them in the village), each
    with its people, added as the console adds them."""
    programme = community.programme
    phones: set[str] = {RESIDENT_PHONE}
    households = []
    for group, count in groups.items():
        for number in range(1, count + 1):
            where = {"building": group, "room": f"{number}号"}
            address = where if group else {"address": f"{community.name}{number}号"}
            home = programmes.find_or_create_household(
                programme=programme, community=community, address=address
            )
            people = [_villager(rng, home, age, phones) for age in _ages(rng)]
            households.append(
                [programmes.create_member(actor=None, programme=programme, data=p) for p in people]
            )
    return households


def _ages(rng: random.Random) -> list[int]:
    """A couple, their children if they are young, sometimes an elderly parent."""
    head = rng.randint(32, 72)
    ages = [head, max(24, head + rng.randint(-5, 3))]
    if head < 55:
        ages += [rng.randint(3, 17) for _ in range(rng.choice([0, 1, 1, 2]))]
    if rng.random() < 0.3:
        ages.append(rng.randint(70, 88))
    return ages


def _villager(
    rng: random.Random, home: Household, age: int, phones: set[str]
) -> programmes.MemberData:
    generation = "old" if age >= 60 else "mid" if age >= 20 else "new"
    name = rng.choice(SURNAMES) + rng.choice(GIVEN[generation, rng.choice("mf")].split())
    phone = ""
    if 16 <= age < 80:
        while (phone := rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}") in phones:
            pass
        phones.add(phone)
    today = clock.now().date()
    return programmes.MemberData(
        display_name=name,
        community=home.community,
        phone=phone,
        household=home,
        joined_on=today - timedelta(days=rng.randint(150, 400)),
        birth_year=today.year - age,
        is_elderly=age >= 65,
        is_child=age < 18,
    )


BINS = [(30, 90, 180), (40, 140, 60), (200, 40, 40), (110, 110, 110)]  # 可回收 厨余 有害 其他


def drawn_photo(rng: random.Random, subject: str) -> CleanPhoto:
    """A simple drawn picture standing in for a resident's photo, cleaned like any upload:
    "bins" (four sorted bins), "litter", "drawing" (a child's picture) or "green"."""
    image = Image.new("RGB", (640, 480), (205, 225, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 320, 640, 480), fill=(90, 160, 70) if subject == "green" else (150,) * 3)
    if subject == "bins":
        for i, colour in enumerate(BINS):
            x = 60 + i * 140
            draw.rectangle((x, 200, x + 100, 340), fill=colour, outline=(20, 20, 20), width=3)
            for _ in range(rng.randint(0, 2)):
                y = rng.randint(150, 190)
                draw.ellipse((x + 20, y, x + 80, y + 50), fill=(230, 230, 225))
    elif subject == "litter":
        draw.rectangle((420, 210, 520, 340), fill=BINS[3])
        for _ in range(rng.randint(6, 14)):
            x, y = rng.randint(40, 380), rng.randint(330, 460)
            corners = [(x, y), (x + rng.randint(8, 30), y + 5), (x + 10, y + rng.randint(8, 25))]
            draw.polygon(corners, fill=(rng.randint(60, 255), rng.randint(60, 255), 90))
    elif subject == "drawing":
        draw.rectangle((0, 0, 640, 480), fill=(250, 248, 240))
        draw.ellipse((500, 40, 580, 120), fill=(250, 200, 40))
        for i in range(rng.randint(2, 4)):
            x = 60 + i * 140
            draw.rectangle((x, 260, x + 100, 380), fill=(rng.randint(90, 230), 160, 120))
            draw.polygon([(x - 10, 260), (x + 50, 200), (x + 110, 260)], fill=(180, 60, 50))
    else:
        for _ in range(rng.randint(5, 9)):
            x = rng.randint(20, 600)
            draw.ellipse((x - 30, 260, x + 30, 330), fill=(40, rng.randint(110, 170), 50))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return clean_photo(out.getvalue())
