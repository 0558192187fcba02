import pytest
from bank import Account, InsufficientFunds

def test_deposit():
    acct = Account()
    acct.deposit(10)
    assert acct.balance == 10

def test_bad_deposit():
    with pytest.raises(ValueError):
        Account().deposit(0)

def test_withdraw_within_overdraft():
    assert Account(10, overdraft=5).withdraw(15) == -5

def test_withdraw_beyond_overdraft():
    with pytest.raises(InsufficientFunds):
        Account(10, overdraft=5).withdraw(16)
