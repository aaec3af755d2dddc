"""The optional password in front of the dashboard.

The session remembers a digest of the password it was opened with, not a
"signed in" flag, so changing the password on the server signs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac

import streamlit as st

from sentimon.settings import Settings

_SESSION_KEY = "gate_digest"


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def admitted(settings: Settings) -> bool:
    """True when no password is set or this session gave the right one; otherwise shows the form."""
    password = settings.dashboard_password.get_secret_value()
    if not password or hmac.compare_digest(st.session_state.get(_SESSION_KEY, ""), _digest(password)):
        return True
    slot = st.empty()
    with slot.form("gate"):
        given = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Open dashboard")
    if not submitted:
        return False
    if hmac.compare_digest(given.encode(), password.encode()):
        st.session_state[_SESSION_KEY] = _digest(password)
        slot.empty()
        return True
    st.error("Wrong password.")
    return False
