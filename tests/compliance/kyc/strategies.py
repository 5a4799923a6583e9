"""Hypothesis strategies for the KYC tests."""

from __future__ import annotations

from hypothesis import strategies as st

from strongroom.compliance.kyc.nric import SERIES, nric_check_letter

serial_numbers = st.text(alphabet="0123456789", min_size=7, max_size=7)


@st.composite
def nrics(draw: st.DrawFn) -> str:
    """Valid NRICs and FINs of every series, their check letters by the algorithm."""
    series = draw(st.sampled_from(sorted(SERIES)))
    digits = draw(serial_numbers)
    return series + digits + nric_check_letter(series, digits)
