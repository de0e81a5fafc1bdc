"""`{% form_key %}`: the hidden one-time key that makes a resent form write once (see
jifen.web.common.once_per_form)."""

import secrets

from django import template
from django.utils.html import format_html

from jifen.web.common import FORM_KEY

register = template.Library()


@register.simple_tag
def form_key() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_KEY, _new_key())


def _new_key() -> str:
    # 128 random bits: two forms never share a key, so keys need no programme of their own.
    return secrets.token_urlsafe(16)
