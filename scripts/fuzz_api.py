"""Fuzz the JSON API from its own OpenAPI description with schemathesis.

Builds a fresh database with the demo programme in a temporary data directory, starts the
server on a free local port, and runs schemathesis twice against /api/v1/openapi.json: with
a personal token of the demo administrator, then of the demo resident, then with a device key
(on the device's own operation). Fails (exit 1) on any server error or any status the schema
does not declare. The seed is fixed, so a failure is
found again by running the same command.

    .venv/bin/python scripts/fuzz_api.py [--seed 2026] [--max-examples 40] [--max-time 90]
        [--database-url postgres://postgres@127.0.0.1:5432/jifen_fuzz]   (an empty database)
        [--tag rewards]   (only the operations of one tag: earning, rewards …)
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


def main() -> int:
    options = _arguments()
    env = {**os.environ, "JIFEN_DATA_DIR": tempfile.mkdtemp(prefix="jifen-fuzz-")}
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "demo", "-v", "0")
    tokens, config = _tokens(env)
    port = _free_port()
    log = Path(env["JIFEN_DATA_DIR"]) / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(BIN / "jifen"), "run", "--port", str(port), "--threads", "4"],
            env={**env, "JIFEN_LOG_LEVEL": "ERROR"},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port)
            failed = [who for who, key in tokens.items() if _run(who, port, key, config, options)]
        finally:
            server.terminate()
            server.wait(timeout=30)
    if failed:
        print(f"== the server's log ({log}), last lines:\n" + _tail(log))
    print(f"fuzz_api: {'failed as ' + ', '.join(failed) if failed else 'no failure'}")
    return 1 if failed else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-examples", type=int, default=40, help="cases per operation")
    parser.add_argument("--max-time", type=int, default=90, help="seconds per caller")
    parser.add_argument("--database-url", default="", help="an empty database (else SQLite)")
    parser.add_argument("--tag", default="", help="fuzz only the operations with this tag")
    return parser.parse_args()


def _manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(
        command, env=env, cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()


TOKENS = """
from jifen.accounts.models import User
from jifen.accounts.services import create_personal_token
from jifen.earning import models as earning
from jifen.earning.services import create_device_key
from jifen.programmes.models import Member
staff = User.objects.get(username="admin")
resident = Member.objects.get(phone="13800138000")
for user in (staff, resident.user):
    print(create_personal_token(user=user, name="fuzz")[1])
rules = earning.Rule.objects.filter(programme=resident.programme, allows_devices=True)
print(create_device_key(programme=resident.programme, name="fuzz", rules=rules, actor=None).secret)
print(",".join(Member.objects.order_by("pk").values_list("public_id", flat=True)[:20]))
for model in (earning.Activity, earning.Claim, earning.Earning, earning.Appeal):
    rows = model.objects.filter(programme=resident.programme).order_by("-pk")
    print(",".join(rows.values_list("public_id", flat=True)[:20]) or "-")
print(",".join(earning.Rule.objects.order_by("pk").values_list("code", flat=True)[:20]) or "-")
from jifen.rewards import models as rewards
from jifen.rewards.settlement import recent_periods
for model, name in ((rewards.Reward, "public_id"), (rewards.Store, "code"),
                    (rewards.Redemption, "public_id"), (rewards.Redemption, "code")):
    rows = model.objects.filter(programme=resident.programme).order_by("-pk")
    print(",".join(rows.values_list(name, flat=True)[:20]) or "-")
print(",".join(start.isoformat() for start, _ in recent_periods(resident.programme)))
"""
# What the fuzzer is told of the demo, so that it reaches past "not found": the programme's
# slug always, and mostly real members, in paths and in bodies.
CONFIG = """
[dictionaries.members]
values = [{members}]

[dictionaries.activities]
values = [{activities}]

[dictionaries.claims]
values = [{claims}]

[dictionaries.earnings]
values = [{earnings}]

[dictionaries.appeals]
values = [{appeals}]

[dictionaries.rules]
values = [{rules}]

[dictionaries.rewards]
values = [{rewards}]

[dictionaries.stores]
values = [{stores}]

[dictionaries.redemptions]
values = [{redemptions}]

[dictionaries.codes]
values = [{codes}]

[dictionaries.periods]
values = [{periods}]

[parameters]
"path.slug" = "xingfuli"
"path.public_id" = {{ dictionary = "members", probability = 0.8 }}
"path.member" = {{ dictionary = "members", probability = 0.8 }}
"path.activity_id" = {{ dictionary = "activities", probability = 0.8 }}
"path.claim_id" = {{ dictionary = "claims", probability = 0.8 }}
"path.earning_id" = {{ dictionary = "earnings", probability = 0.8 }}
"path.appeal_id" = {{ dictionary = "appeals", probability = 0.8 }}
"path.rule_code" = {{ dictionary = "rules", probability = 0.8 }}
"body.member" = {{ dictionary = "members", probability = 0.8 }}
"body.rule" = {{ dictionary = "rules", probability = 0.8 }}
"path.reward" = {{ dictionary = "rewards", probability = 0.8 }}
"path.store" = {{ dictionary = "stores", probability = 0.8 }}
"path.redemption_id" = {{ dictionary = "redemptions", probability = 0.8 }}
"path.code" = {{ dictionary = "codes", probability = 0.8 }}
"path.starts_on" = {{ dictionary = "periods", probability = 0.8 }}
"body.reward" = {{ dictionary = "rewards", probability = 0.8 }}
"body.store" = {{ dictionary = "stores", probability = 0.8 }}
"""


def _tokens(env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Personal tokens of the demo's administrator and resident, a device key for the rules
    that allow devices, and a schemathesis configuration naming the demo's programme, its
    members, some of its activities, claims, earnings, appeals and rules, and its rewards,
    stores, redemptions (by id and by code) and settlement periods."""
    lines = _manage(env, "shell", "-v", "0", "-c", TOKENS).split()[-14:]
    staff, resident, device, members, *named = lines
    names = ["members", "activities", "claims", "earnings", "appeals", "rules"]
    names += ["rewards", "stores", "redemptions", "codes", "periods"]
    quoted = {
        name: ", ".join(f'"{v}"' for v in values.split(",") if v != "-") or '"none"'
        for name, values in zip(names, [members, *named], strict=True)
    }
    config = Path(env["JIFEN_DATA_DIR"]) / "schemathesis.toml"
    config.write_text(CONFIG.format(**quoted))
    return {"staff": staff, "resident": resident, "device": device}, str(config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"fuzz_api: the server did not start on port {port}")


def _run(who: str, port: int, token: str, config: str, options: argparse.Namespace) -> bool:
    print(f"== schemathesis as the demo's {who}", flush=True)
    return _fuzz(port, token, config, options)


def _tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _fuzz(port: int, token: str, config: str, options: argparse.Namespace) -> bool:
    """One schemathesis run; True when it found something."""
    # A device key opens only the device's own operation: fuzz that one with it.
    only = ["--include-path=/api/v1/devices/events"] if token.startswith("jfd_") else []
    if options.tag and not only:
        only = [f"--include-tag={options.tag}"]
    command = [
        str(BIN / "schemathesis"),
        f"--config-file={config}",
        "run",
        f"http://127.0.0.1:{port}/api/v1/openapi.json",
        *only,
        f"--header=Authorization: Bearer {token}",
        f"--checks={CHECKS}",
        f"--seed={options.seed}",
        f"--max-examples={options.max_examples}",
        f"--max-time={options.max_time}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
    ]
    # In the temporary directory, so that schemathesis leaves nothing in the work tree.
    return subprocess.run(command, cwd=Path(config).parent).returncode != 0


if __name__ == "__main__":
    sys.exit(main())
