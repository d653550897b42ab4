"""The rule every account change meets (counter_app/domain/account_signing.py), on its own:
the same function decides at the server and at every desk."""

from __future__ import annotations

import pytest

from counter_app.accounts import passwords
from counter_app.domain import account_signing as signing
from tests.server import accounts


def test_a_sealed_key_opens_only_with_its_password_and_its_username():
    private, _, sealed = signing.new_account_keys("mat-khau-1", "lan", passwords.seal_cost())
    assert signing.unseal(sealed, "mat-khau-1", "lan") == private
    for password, username in (("mat-khau-2", "lan"), ("mat-khau-1", "hoa")):
        with pytest.raises(signing.SealError):
            signing.unseal(sealed, password, username)
    for broken in (None, {}, {**sealed, "t": 10**6}, {**sealed, "box": "khong-phai-base64"}):
        with pytest.raises(signing.SealError):
            signing.unseal(broken, "mat-khau-1", "lan")


def test_the_signature_covers_every_field_and_the_username():
    admin = accounts.new("quantri")
    lan = accounts.new("lan", ("processing",), signer=admin)
    held = {"quantri": admin.record}
    assert signing.check_change(lan.record, None, held, {}) is None
    for field, value in (("roles", ["admin"]), ("active", False), ("username", "hoa"),
                         ("password_hash", "x"), ("public_key", admin.public_key)):
        assert signing.check_change({**lan.record, field: value}, None, held, {}) is not None


def test_the_order_of_a_batch_does_not_matter():
    """An administrator demoted in a batch still signs the batch's other records, whether
    the demotion comes first or last (the server checks in push order, desks by name)."""
    a = accounts.new("a")
    held = {"a": a.record}
    demoted = accounts.change(a.record, a, roles=["processing"])
    z = accounts.new("z", ("processing",), signer=a).record
    for batch in ([demoted, z], [z, demoted]):
        accepted, refused = signing.check_batch(batch, held, {})
        assert {r["username"] for r in accepted} == {"a", "z"} and refused == {}


def test_two_new_accounts_cannot_vouch_for_each_other():
    b, c = accounts.new("b"), accounts.new("c")
    b_by_c = accounts.change(b.record, c, revision=1)
    c_by_b = accounts.change(c.record, b, revision=1)
    accepted, refused = signing.check_batch([b_by_c, c_by_b], {}, {})
    assert accepted == [] and set(refused) == {"b", "c"}


def test_an_officers_own_change_is_their_password_only_and_only_while_active():
    admin = accounts.new("quantri")
    lan = accounts.new("lan", ("processing",), signer=admin)
    own = accounts.new_password(lan, "mat-khau-moi")
    assert signing.check_change(own, lan.record, {}, {}) is None
    disabled = {**lan.record, "active": False}
    assert signing.check_change(accounts.change(disabled, lan, password_hash="x"), disabled,
                                {}, {}) is not None
    for field, value in (("roles", ["processing", "admin"]), ("full_name", "Khác"),
                         ("active", False), ("public_key", admin.public_key)):
        change = accounts.change(lan.record, lan, **{field: value})
        assert signing.check_change(change, lan.record, {}, {}) is not None, field


@pytest.mark.parametrize("bad", [
    {"roles": "xadminx"}, {"roles": ["admin", 1]}, {"roles": ["root"]}, {"active": "no"},
    {"full_name": None}, {"revision": True}, {"revision": 2**53}, {"revision": "2"},
    {"signed": {"by": ["quantri"], "key": "k", "sig": "s"}}, {"username": "a\x00b"},
    {"sealed_key": {"box": "x" * 3000}}, {"public_key": 7}])
def test_a_record_of_the_wrong_shape_is_refused_before_its_signature(bad):
    admin = accounts.new("quantri")
    record = {**accounts.new("lan", ("processing",), signer=admin).record, **bad}
    assert signing.malformed(record)
    why = signing.check_change(record, None, {"quantri": admin.record}, {})
    assert why and why.startswith("bản ghi không hợp lệ")
    accepted, refused = signing.check_batch([record], {"quantri": admin.record}, {})
    assert accepted == [] and len(refused) == 1


def test_a_revision_moves_by_one_to_a_thousand():
    admin = accounts.new("quantri")
    lan = accounts.new("lan", ("processing",), signer=admin)
    held = {"quantri": admin.record}
    for revision, ok in ((1, False), (2, True), (1001, True), (1002, False)):
        change = accounts.change(lan.record, admin, revision=revision, full_name="Lan")
        assert (signing.check_change(change, lan.record, held, {}) is None) is ok, revision
