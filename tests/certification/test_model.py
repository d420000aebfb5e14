"""The certification domain without storage: states, validity, standing on a date, numbers."""

import datetime as dt

import pytest

from registry.certification.model import (
    Action,
    ApplicationState,
    CertificateEventView,
    EventKind,
    IllegalTransition,
    Standing,
    SuspensionInput,
    certificate_number,
    next_state,
    renewal_window,
    standing_on,
    status_change_problem,
    suspension_problem,
    validity_end,
)

D = dt.date.fromisoformat


def test_first_cohort_validity_matches_the_record():
    assert validity_end(D("2022-12-30")) == D("2025-12-29")  # the first cohort: 2022-12-30 to 2025-12-29
    assert validity_end(D("2024-02-29")) == D("2027-02-28")


@pytest.mark.parametrize(
    ("state", "action", "after"),
    [
        ("draft", "submit", "submitted"),
        ("submitted", "start_review", "under_review"),
        ("under_review", "request_info", "info_requested"),
        ("info_requested", "submit", "submitted"),
        ("under_review", "decide", "decided"),
        ("under_review", "withdraw", "withdrawn"),
    ],
)
def test_legal_transitions(state, action, after):
    assert next_state(ApplicationState(state), Action(action)) is ApplicationState(after)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", "decide"),
        ("submitted", "decide"),
        ("decided", "withdraw"),
        ("withdrawn", "submit"),
        ("decided", "edit"),
    ],
)
def test_illegal_transitions_say_what_is_possible(state, action):
    with pytest.raises(IllegalTransition) as caught:
        next_state(ApplicationState(state), Action(action))
    assert caught.value.state is ApplicationState(state)
    assert all(isinstance(a, str) for a in caught.value.allowed)


ISSUED = CertificateEventView(EventKind.issued, D("2022-12-30"), D("2025-12-29"), seq=1)


def test_standing_through_a_history():
    events = [
        ISSUED,
        CertificateEventView(EventKind.suspended, D("2024-05-20"), ground=4, reason="ads", seq=2),
        CertificateEventView(EventKind.reinstated, D("2024-08-19"), seq=3),
        CertificateEventView(EventKind.renewed, D("2025-11-28"), valid_until=D("2028-12-29"), seq=4),
    ]
    cases = {
        "2022-12-29": (Standing.not_yet_valid, "2022-12-30"),
        "2022-12-30": (Standing.active, "2022-12-30"),
        "2024-05-19": (Standing.active, "2022-12-30"),
        "2024-05-20": (Standing.suspended, "2024-05-20"),
        "2024-08-18": (Standing.suspended, "2024-05-20"),
        "2024-08-19": (Standing.active, "2024-08-19"),
        "2025-12-30": (Standing.active, "2024-08-19"),  # renewed before expiry
        "2028-12-30": (Standing.expired, "2028-12-30"),
    }
    for day, (standing, since) in cases.items():
        result = standing_on(events, D(day))
        assert (result.standing, result.since) == (standing, D(since)), day


def test_without_renewal_it_expires_the_day_after_validity():
    assert standing_on([ISSUED], D("2025-12-29")).standing is Standing.active
    expired = standing_on([ISSUED], D("2025-12-30"))
    assert (expired.standing, expired.since) == (Standing.expired, D("2025-12-30"))


def test_revocation_is_final_and_outlives_expiry():
    events = [ISSUED, CertificateEventView(EventKind.revoked, D("2023-03-01"), ground=1, reason="fraud", seq=2)]
    for day in ("2023-03-01", "2024-01-01", "2030-01-01"):
        result = standing_on(events, D(day))
        assert (result.standing, result.ground) == (Standing.revoked, 1)


def test_status_change_rules():
    active = standing_on([ISSUED], D("2023-01-10"))
    assert status_change_problem(EventKind.reinstated, active) == "only_suspended_reinstated"
    assert status_change_problem(EventKind.suspended, active) is None
    expired = standing_on([ISSUED], D("2026-01-10"))
    assert "expired" in status_change_problem(EventKind.suspended, expired)


def test_ground_one_is_never_a_suspension_and_a_suspension_lasts_at_most_a_year():
    def change(ground, until):
        return SuspensionInput(reason="x", ground=ground, effective_date=D("2024-03-01"), until=D(until))

    assert suspension_problem(change(1, "2024-06-01")) == "fraud"
    assert suspension_problem(change(2, "2025-02-28")) is None  # one year: the last day is 2025-02-28
    assert suspension_problem(change(2, "2025-03-01")) == "too_long"
    assert suspension_problem(change(2, "2024-02-29")) == "backwards"


def test_numbers_and_renewal_window():
    assert certificate_number(2026, 7) == "DTC-2026-0007"
    assert renewal_window(D("2025-12-29")) == (D("2025-07-02"), D("2025-12-29"))


def test_a_queue_asks_for_known_states_and_counts_waiting_days_while_undecided():
    import datetime as dt

    import pytest

    from registry.certification.model import parse_states, waiting_days
    from registry.kernel.errors import DomainError

    assert parse_states(["under_review", "submitted", "submitted"]) == ["submitted", "under_review"]
    assert parse_states(None) == []
    with pytest.raises(DomainError) as refused:
        parse_states(["submitted", "lost"])
    assert refused.value.problem == "UNKNOWN_VALUE.state" and [e.field for e in refused.value.errors] == ["state"]
    submitted = dt.datetime(2026, 11, 1, 16, 0, tzinfo=dt.UTC)  # 2026-11-02 in Korea
    assert waiting_days("submitted", submitted, dt.date(2026, 11, 26)) == 24
    assert waiting_days("decided", submitted, dt.date(2026, 11, 26)) is None
    assert waiting_days("draft", None, dt.date(2026, 11, 26)) is None
