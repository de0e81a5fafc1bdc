"""Test settings: fast hashing, a throwaway data directory, same database switch as production."""

import os
import tempfile

os.environ.setdefault("JIFEN_DATA_DIR", tempfile.mkdtemp(prefix="jifen-test-"))

from jifen.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_AUTOREFRESH = True
